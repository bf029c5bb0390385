"""password_signs_in: the one check behind the tenant and the console sign-in."""

from types import SimpleNamespace

from argon2 import PasswordHasher

from app.auth.passwords import hash_password, password_signs_in

PASSWORD = "correct-horse-battery"


def test_only_the_right_password_of_an_active_account_signs_in(app):
    with app.app_context():
        account = SimpleNamespace(password_hash=hash_password(PASSWORD))
        assert password_signs_in(account, PASSWORD, active=True)
        assert not password_signs_in(account, "wrong-horse-battery", active=True)
        assert not password_signs_in(account, PASSWORD, active=False)
        assert not password_signs_in(None, PASSWORD, active=False)


def test_a_hash_made_with_older_settings_is_replaced_on_sign_in(app):
    with app.app_context():
        old = PasswordHasher(time_cost=2, memory_cost=2048).hash(PASSWORD)
        account = SimpleNamespace(password_hash=old)
        assert password_signs_in(account, PASSWORD, active=True)
        assert account.password_hash != old
        assert password_signs_in(account, PASSWORD, active=True)
        failed = SimpleNamespace(password_hash=old)
        assert not password_signs_in(failed, "wrong-horse-battery", active=True)
        assert failed.password_hash == old
