"""What a screen reader is told about a page's form errors, read from its HTML."""

from html.parser import HTMLParser


class FormAudit(HTMLParser):
    """Collects a page's error messages and its inputs that say they are wrong: which messages
    each input points at, and whether it is marked invalid for a screen reader."""

    def __init__(self):
        super().__init__()
        self.text_of: dict[str, list[str]] = {}  # element id -> text inside it
        self.open_ids: list[tuple[str, int]] = []
        self.depth = 0
        self.messages: list[str] = []
        self.in_message = 0
        self.controls: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        looks_wrong = "is-invalid" in classes or attrs.get("aria-invalid") == "true"
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden" and looks_wrong:
            self.controls.append(attrs)
        if tag in ("input", "br", "img", "meta", "link", "hr", "source", "option"):
            return
        self.depth += 1
        if attrs.get("id"):
            self.open_ids.append((attrs["id"], self.depth))
            self.text_of.setdefault(attrs["id"], [])
        if "invalid-feedback" in classes:
            self.messages.append("")
            self.in_message = self.depth

    def handle_endtag(self, tag):
        if tag in ("input", "br", "img", "meta", "link", "hr", "source", "option"):
            return
        if self.in_message == self.depth:
            self.in_message = 0
        while self.open_ids and self.open_ids[-1][1] >= self.depth:
            self.open_ids.pop()
        self.depth -= 1

    def handle_data(self, data):
        for element_id, _ in self.open_ids:
            self.text_of[element_id].append(data)
        if self.in_message:
            self.messages[-1] += data.strip()


def assert_errors_are_linked(html: str) -> None:
    audit = FormAudit()
    audit.feed(html)
    assert audit.messages, "the page shows no error"
    heard = set()
    for control in audit.controls:
        name = control.get("name") or control.get("id")
        assert control.get("aria-invalid") == "true", f"{name} looks wrong but is not marked invalid"
        ids = (control.get("aria-describedby") or "").split()
        assert ids, f"{name} is not linked to its message"
        for element_id in ids:
            assert element_id in audit.text_of, f"{name} points at #{element_id}, which is not on the page"
            heard.add(" ".join("".join(audit.text_of[element_id]).split()))
    for message in audit.messages:
        assert any(message in text for text in heard), f"no input is linked to {message!r}"
