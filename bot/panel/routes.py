"""The panel's pages and forms, mounted at ``/panel/`` on the bot's web server.

Every page but the sign-in ones needs the session cookie; every POST needs the session's CSRF
token as well; every read and change goes through the service, which asks the moderation
policy again each time. Pages are server-rendered (Jinja2, autoescaped) and every action is a
plain form, so nothing needs JavaScript; the Content-Security-Policy forbids scripts outright.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, date, datetime
from importlib import resources
from typing import Any

import jinja2
from aiohttp import web
from markupsafe import Markup
from multidict import MultiDictProxy
from yarl import URL

from bot import i18n, messages
from bot.catalog import CATALOG
from bot.domain import Member
from bot.ledger import Policy
from bot.panel import charts
from bot.panel.access import Session
from bot.reports import AuditFilter
from bot.service import Forbidden, Refused, Service

COOKIE = "chorus_panel"
JOB_STATES = ("queued", "submitting", "unconfirmed", "running", "succeeded", "failed")
# Each state as the jobs page names it (the stored state stays the key, in the filter's URL).
STATE_NAMES = {
    # TRANSLATORS: a job's state on the panel's jobs page.
    "queued": i18n.N_("queued"),
    "submitting": i18n.N_("submitting"),
    "unconfirmed": i18n.N_("unconfirmed"),
    "running": i18n.N_("running"),
    "succeeded": i18n.N_("succeeded"),
    "failed": i18n.N_("failed"),
}
MEMBER_ACTIONS = ("grant", "revoke", "limits", "ban", "unban")
LIMIT_FIELDS = ("daily_allowance", "daily_spend_cap", "max_concurrent", "cooldown_seconds")
SETTING_FIELDS = (
    "starting_credits",
    *LIMIT_FIELDS,
    "price_multiplier",
    "pool_daily_budget",
)
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
        " frame-ancestors 'none'; base-uri 'none'"
    ),
    # The sign-in path holds a token: no other site learns it. (Not "no-referrer": browsers
    # then send "Origin: null" with the panel's own forms, which _same_origin refuses.)
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class PanelHolder:
    """Lets the routes be mounted before the service they call exists."""

    service: Service | None = None


PANEL_KEY = web.AppKey("panel", PanelHolder)
# The request's session, set by the guard for the handler it calls (the same task).
CURRENT: ContextVar[Session | None] = ContextVar("panel_session", default=None)


def _when(ts: float) -> str:
    return f"{i18n.moment(datetime.fromtimestamp(ts, UTC))} UTC"


def _utc(ts: float) -> str:
    """A time as the CSV export writes it, the same in every language (for spreadsheets)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(iso_day: str) -> str:
    return i18n.calendar_day(date.fromisoformat(iso_day))


def _percent(part: int, whole: int) -> str:
    return i18n.percent(part / whole) if whole else "–"


def _action(action: str) -> str:
    """An audit row's action as a word of the language (as /mod audit shows it)."""
    return i18n._(messages.AUDIT_ACTIONS[action]) if action in messages.AUDIT_ACTIONS else action


def _strong(text: object) -> Markup:
    return Markup("<strong>{}</strong>").format(text)


def _id_span(text: object) -> Markup:
    return Markup('<span class="id">{}</span>').format(text)


def _figure(element_id: str, text: object) -> Markup:
    """A headline figure inside its translated sentence, marked for styling (and for tests)."""
    return Markup('<span class="figure" id="{}">{}</span>').format(element_id, text)


def _reason(reason: str) -> str:
    """A stored reason as shown: Chorus's own (kept in English as a key) translated, a
    moderator's as written."""
    keys = {*messages.STORED_REASONS, messages.NO_REASON_GIVEN}
    return i18n._(reason) if reason in keys else reason


def _state(state: str) -> str:
    return i18n._(STATE_NAMES[state]) if state in STATE_NAMES else state


def _html_lang() -> str:
    """The page's ``<html lang>``: the language spoken, as a BCP 47 tag (``pt-BR``)."""
    return i18n.current().replace("_", "-")


# Every visible text is marked ({% trans %}, _(), ngettext()) and translated as the page is
# rendered, in the language the guard chose for the request (see bot/catalogs.py: extracted).
TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("bot.panel", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)
TEMPLATES.policies["ext.i18n.trimmed"] = True
TEMPLATES.install_gettext_callables(  # type: ignore[attr-defined]
    gettext=i18n._, ngettext=i18n.ngettext, pgettext=i18n.pgettext, newstyle=True
)
CSS = resources.files("bot.panel").joinpath("static/panel.css").read_text(encoding="utf-8")
TEMPLATES.filters["when"] = _when
TEMPLATES.filters["iso"] = _iso
TEMPLATES.filters["num"] = i18n.number
TEMPLATES.filters["day"] = _day
TEMPLATES.filters["action"] = _action
TEMPLATES.filters["state"] = _state
TEMPLATES.filters["reason"] = _reason
TEMPLATES.globals["percent"] = _percent
TEMPLATES.globals["html_lang"] = _html_lang
TEMPLATES.globals.update(strong=_strong, id_span=_id_span, figure=_figure)


def service_of(request: web.Request) -> Service:
    service = request.app[PANEL_KEY].service
    if service is None:
        raise web.HTTPServiceUnavailable(text="starting")
    return service


def session_of(request: web.Request) -> Session:
    session = CURRENT.get()
    if session is None:  # only the sign-in routes run without one, and they do not ask
        raise web.HTTPUnauthorized()
    return session


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    html = TEMPLATES.get_template(template).render(
        session=CURRENT.get(), done=request.query.get("done"), **context
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


# --- the guard ---------------------------------------------------------------------------------
OPEN = ("signin", "signin_form", "style")  # routes reached without a session


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A session for every page but sign-in; the CSRF token for every POST; security headers on
    every answer; a refusal by the moderation policy shown as 403."""
    # A connection's requests may run in one task: no session is left over from the last one.
    previous = CURRENT.set(None)
    try:
        with i18n.speaking(i18n.first_spoken(browser_language(request))):
            response = await _guarded(request, handler)
    finally:
        CURRENT.reset(previous)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def browser_language(request: web.Request) -> str | None:
    """The first language of the browser's ``Accept-Language`` (by preference) Chorus speaks."""
    offered = []
    for n, part in enumerate(request.headers.get("Accept-Language", "").split(",")):
        code, _sep, params = part.strip().partition(";")
        try:
            weight = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            continue
        if code and weight > 0:
            offered.append((-weight, n, code.strip()))
    for _weight, _n, code in sorted(offered):
        language = i18n.resolve(code)
        if language is not None and language != i18n.PSEUDO:
            return language
    return None


def _same_origin(request: web.Request) -> bool:
    """Whether a POST comes from the panel's own pages. Browsers name the page's origin on every
    form POST; one from another site is refused before anything is read (besides the cookie's
    SameSite and the CSRF token, this also covers the sign-in form, which has neither)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser, or an old one: the CSRF token still decides
    # "null" is what a page that hides where it is sends (a sandboxed frame, or no-referrer)
    ours = {f"{request.scheme}://{request.host}"}
    base = service_of(request).panel.base_url
    if base:
        ours.add(str(URL(base).origin()))
    return origin in ours


async def _guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method == "POST" and not _same_origin(request):
        return render(request, "refused.html", status=403, reason="origin")
    route = request.match_info.route.name
    if route in OPEN:
        return await handler(request)
    session = await service_of(request).panel.session(request.cookies.get(COOKIE))
    if session is None:
        return render(request, "signed_out.html", status=401)
    CURRENT.set(session)
    # The moderator's /language, else the community's, else the browser's: for the whole request,
    # so the page and every sentence it shows from bot.messages speak it.
    i18n.use(
        await service_of(request).language(session.actor, session.scope, browser_language(request))
    )
    if request.method == "POST":
        form = await request.post()
        sent = form.get("csrf")
        if not session.csrf_ok(sent if isinstance(sent, str) else None):
            return render(request, "refused.html", status=403, reason="csrf")
    try:
        return await handler(request)
    except Forbidden as exc:
        return render(request, "refused.html", status=403, reason=str(exc))


# --- signing in and out ------------------------------------------------------------------------
async def signin_form(request: web.Request) -> web.Response:
    """The link's page: a button that uses it. Opening the link changes nothing, so a chat
    app's link preview cannot use it up before the moderator does."""
    return render(request, "signin.html", token=request.match_info["token"])


async def signin(request: web.Request) -> web.Response:
    form = await request.post()
    token = form.get("token")
    service = service_of(request)
    opened = await service.panel.open(token) if isinstance(token, str) and token else None
    if opened is None:
        return render(request, "link_refused.html", status=403)
    response = _see_other("/panel/")
    response.set_cookie(
        COOKIE,
        opened.token,
        max_age=round(opened.expires_at - service.panel.clock()),
        path="/panel/",
        httponly=True,
        samesite="Strict",
        secure=service.panel.secure,
    )
    return response


async def logout(request: web.Request) -> web.Response:
    await service_of(request).panel.end(session_of(request).token)
    response = render(request, "signed_out.html", logged_out=True)
    response.del_cookie(COOKIE, path="/panel/")
    return response


async def style(request: web.Request) -> web.Response:
    return web.Response(text=CSS, content_type="text/css", headers={"Cache-Control": "max-age=300"})


# --- pages -------------------------------------------------------------------------------------
async def overview(request: web.Request) -> web.Response:
    session = session_of(request)
    found = await service_of(request).report("overview", session.actor, session.scope)
    spent = charts.columns(found.days)
    operations = charts.rows([(o.op, o.jobs, o.failed) for o in found.operations])
    return render(request, "overview.html", overview=found, spent=spent, operations=operations)


async def members(request: web.Request) -> web.Response:
    session = session_of(request)
    wanted = request.query.get("open", "").strip()[:64]
    if wanted:
        return _see_other(str(request.app.router["member"].url_for(user=wanted)))
    search = request.query.get("q", "")[:64]
    found = await service_of(request).report("members", session.actor, session.scope, search)
    return render(request, "members.html", members=found, search=search)


async def member(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    session = session_of(request)
    user = request.match_info["user"]
    service = service_of(request)
    try:
        report = await service.moderate("show", session.actor, Member(session.scope, user))
    except Forbidden:
        raise
    except Refused as exc:
        report, error = None, error or str(exc)
    return render(request, "member.html", user=user, report=report, error=error, status=status)


def _whole(form: MultiDictProxy[Any], name: str, *, blank_ok: bool = False) -> int | None:
    """A form field as a whole number (``None`` when blank and that is allowed)."""
    value = str(form.get(name) or "").strip()
    if not value and blank_ok:
        return None
    try:
        return int(value)
    except ValueError:
        raise Refused(messages.whole_number_needed(name)) from None


async def member_action(request: web.Request) -> web.Response:
    """Grant, revoke, set limits, ban or unban: the chat commands' moderation calls, audited
    the same way; a refusal shows the member's page again with the reason."""
    session = session_of(request)
    user, action = request.match_info["user"], request.match_info["action"]
    if action not in MEMBER_ACTIONS:
        raise web.HTTPNotFound()
    form = await request.post()
    target = Member(session.scope, user)
    reason = str(form.get("reason") or "").strip() or None
    service = service_of(request)
    try:
        if action in ("grant", "revoke"):
            amount = _whole(form, "amount")
            await service.moderate(action, session.actor, target, amount, reason)
        elif action == "limits":
            values = {name: _whole(form, name, blank_ok=True) for name in LIMIT_FIELDS}
            changes = {k: v for k, v in values.items() if v is not None}
            await service.moderate("set_limits", session.actor, target, changes, reason)
        else:
            await service.moderate(action, session.actor, target, reason)
    except Forbidden:
        raise
    except Refused as exc:
        return await member(request, error=str(exc), status=400)
    location = request.app.router["member"].url_for(user=user).with_query(done=action)
    return _see_other(str(location))


def _audit_filter(request: web.Request) -> AuditFilter:
    def given(name: str) -> str | None:
        return request.query.get(name, "").strip()[:64] or None

    return AuditFilter(member=given("member"), moderator=given("moderator"), kind=given("kind"))


def _details(details: dict[str, Any]) -> str:
    return ", ".join(
        f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in details.items()
    )


async def audit(request: web.Request) -> web.Response:
    session = session_of(request)
    service = service_of(request)
    where = _audit_filter(request)
    rows = await service.report("audit", session.actor, session.scope, where)
    kinds = await service.report("audit_kinds", session.actor, session.scope)
    query = {k: v for k, v in vars(where).items() if v}
    return render(
        request, "audit.html", rows=rows, where=where, kinds=kinds, query=query, details=_details
    )


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a leading ``= + - @`` (or tab, CR) would make
    a member's words a formula (OWASP's CSV injection), so such a cell starts with a quote."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def audit_csv(request: web.Request) -> web.Response:
    session = session_of(request)
    where = _audit_filter(request)
    rows = await service_of(request).report(
        "audit", session.actor, session.scope, where, limit=100_000
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "time_utc", "moderator", "action", "member", "details", "reason"])
    for row in rows:
        cells = (row.id, _utc(row.created_at), row.actor, row.action, row.target or "")
        writer.writerow([_cell(c) for c in (*cells, _details(row.details), row.reason)])
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="chorus-audit.csv"'},
    )


async def job_list(
    request: web.Request, error: str | None = None, status: int = 200
) -> web.Response:
    session = session_of(request)
    state = request.query.get("state") or None
    if state not in (None, *JOB_STATES):
        state = None
    found = await service_of(request).report("jobs", session.actor, session.scope, state)
    return render(
        request, "jobs.html", jobs=found, state=state, states=JOB_STATES, error=error, status=status
    )


async def repost(request: web.Request) -> web.Response:
    session = session_of(request)
    job_id = request.match_info["job"]
    try:
        await service_of(request).repost(session.actor, session.scope, job_id)
    except Forbidden:
        raise
    except Refused as exc:
        return await job_list(request, error=str(exc), status=400)
    return _see_other("/panel/jobs?done=repost")


async def settings(
    request: web.Request, error: str | None = None, status: int = 200
) -> web.Response:
    session = session_of(request)
    policy = await service_of(request).moderate("settings", session.actor, session.scope)
    return render(
        request,
        "settings.html",
        policy=policy,
        operations=sorted(CATALOG),
        fields=SETTING_FIELDS,
        error=error,
        status=status,
    )


def _setting_changes(form: MultiDictProxy[Any], policy: Policy) -> dict[str, Any]:
    """The settings the form changes: a blank or unchanged field changes nothing."""
    changes: dict[str, Any] = {}
    for name in SETTING_FIELDS:
        value = str(form.get(name) or "").strip()
        if not value:
            continue
        if name == "price_multiplier":
            try:
                number: float = float(value)
            except ValueError:
                raise Refused(messages.number_needed(name)) from None
        else:
            number = _whole(form, name) or 0
        if number != getattr(policy, name):
            changes[name] = number
    disabled = sorted({str(op) for op in form.getall("disabled", [])})
    if set(disabled) != policy.disabled_ops:
        changes["disabled_ops"] = disabled
    return changes


async def save_settings(request: web.Request) -> web.Response:
    session = session_of(request)
    service = service_of(request)
    form = await request.post()
    reason = str(form.get("reason") or "").strip() or None
    try:
        policy = await service.moderate("settings", session.actor, session.scope)
        changes = _setting_changes(form, policy)
        await service.moderate("update_settings", session.actor, session.scope, changes, reason)
    except Forbidden:
        raise
    except Refused as exc:
        return await settings(request, error=str(exc), status=400)
    return _see_other("/panel/settings?done=settings")


def make_panel(holder: PanelHolder) -> web.Application:
    panel = web.Application(middlewares=[guard])
    panel[PANEL_KEY] = holder
    add = panel.router
    add.add_get("/signin/{token}", signin_form, name="signin_form")
    add.add_post("/signin", signin, name="signin")
    add.add_get("/panel.css", style, name="style")
    add.add_post("/logout", logout, name="logout")
    add.add_get("/", overview, name="overview")
    add.add_get("/members", members, name="members")
    add.add_get("/members/{user}", member, name="member")
    add.add_post("/members/{user}/{action}", member_action, name="member_action")
    add.add_get("/audit", audit, name="audit")
    add.add_get("/audit.csv", audit_csv, name="audit_csv")
    add.add_get("/jobs", job_list, name="jobs")
    add.add_post("/jobs/{job}/repost", repost, name="repost")
    add.add_get("/settings", settings, name="settings")
    add.add_post("/settings", save_settings, name="save_settings")
    return panel
