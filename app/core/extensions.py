"""Extension objects only; they are bound to the app in create_app()."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.core import limiter_storage  # noqa: F401 -- registers the "inprocess://" storage scheme with `limits`
from app.core.models import Base
from app.core.session import TenantSession

db = SQLAlchemy(model_class=Base, session_options={"class_": TenantSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
