"""`hotline up`: the whole service on one machine with embedded defaults, for a newcomer to click."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO_ROSTER = REPO / "deploy" / "demo" / "roster.csv"


def run_demo(*, port: int, twilio_port: int) -> None:
    data_dir = Path(os.environ.get("HOTLINE_DEMO_DIR", REPO / ".hotline")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    from devtools.embedded_redis import start_redis

    redis_url, redis_proc = start_redis(data_dir)
    os.environ.setdefault("HOTLINE_DATABASE_URL", f"sqlite:///{data_dir / 'demo.db'}")
    os.environ["HOTLINE_REDIS_URL"] = redis_url
    os.environ["HOTLINE_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    os.environ["HOTLINE_TWILIO_API_BASE"] = f"http://127.0.0.1:{twilio_port}"
    from core.settings import get_settings, reset_settings

    reset_settings()
    settings = get_settings()
    from migrations.run import upgrade

    upgrade()
    import_demo_roster()
    seed_demo_operators()
    from devtools.twilio_standin import TwilioStandIn

    standin = TwilioStandIn(account_sid=settings.twilio_account_sid,
                            auth_token=settings.twilio_auth_token.get_secret_value(),
                            port=twilio_port, auto_deliver=True,
                            app_url=settings.public_base_url).start()
    hotline = str(Path(sys.executable).with_name("hotline"))
    worker = subprocess.Popen([hotline, "worker"], env=os.environ.copy())  # noqa: S603
    _print_welcome(port, standin.url)
    try:
        import uvicorn

        uvicorn.run("intake.app:create_app", factory=True, host="127.0.0.1", port=port, log_level="warning")
    finally:
        worker.terminate()
        standin.stop()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
        redis_proc.terminate()
        redis_proc.wait(10)


def import_demo_roster() -> None:
    """The demo's teams and supervisors (also what the benchmarks and the tests route to)."""
    from core.db import unit_of_work
    from routing.directory import import_roster
    from routing.roster import parse_roster

    parsed = parse_roster(DEMO_ROSTER)
    with unit_of_work() as uow:
        import_roster(uow.session, parsed)
        uow.commit()


def seed_demo_operators() -> None:
    """Two operators on duty for the 111 line (their phones are the stand-in's), once; the first is the
    demo operator's desk account, so the desk can set its presence."""
    from sqlalchemy import select

    from core.db import unit_of_work
    from workflows.contacts.models import DutyOperator

    with unit_of_work() as uow:
        if uow.session.execute(select(DutyOperator.id).limit(1)).first() is None:
            uow.session.add_all([
                DutyOperator(line="111", name="Tư vấn viên Lan", address="+84900000001", on_duty=True, ring_order=1,
                             username="demo-operator"),  # the demo's desk account sets its presence
                DutyOperator(line="111", name="Tư vấn viên Minh", address="+84900000002", on_duty=True, ring_order=2),
            ])
        uow.commit()
def demo_password(username: str, role: str, display_name: str, **scope: str) -> str:
    """A demo user signs in with a password made up at each start (no known password anywhere)."""
    from core.db import UnitOfWork
    from intake.people.users import add_user, list_users, reset_password

    if any(u.username == username for u in list_users(UnitOfWork())):
        return reset_password(UnitOfWork(), username=username)
    password = secrets.token_urlsafe(12)
    add_user(UnitOfWork(), username=username, role=role, password=password, display_name=display_name, **scope)
    return password


def demo_province_supervisor() -> str:
    """The roster's province supervisor of Quảng Trị as a staff account (the board and the statistics of the
    province, the report it owes); its password is made up at each start."""
    from sqlalchemy import select

    from core.db import unit_of_work
    from routing.models import Team

    with unit_of_work() as uow:
        code = uow.session.execute(select(Team.province_code).where(Team.commune_name == "Xã Cam Lộ")).scalar()
    return demo_password("demo-tinh", "province_supervisor", "Giám sát Sở Y tế Quảng Trị (chạy thử)",
                         province=code or "44")


def _print_welcome(port: int, twilio_url: str) -> None:
    from intake.people.auth import issue_token

    password = demo_password("demo-operator", "operator", "Tư vấn viên (chạy thử)")
    lead = demo_password("demo-supervisor", "shift_lead", "Trưởng ca (chạy thử)", line="111")
    province = demo_province_supervisor()
    base = f"http://127.0.0.1:{port}"
    print(f"""
hotline111 đang chạy / is running
  Gửi báo cáo / report form ......... {base}/bao-cao
  Tin nhắn nhóm xã nhận / SMS sent .. {twilio_url}/
  Gọi 111 như người dân / call 111 .. {twilio_url}/ (form at the top)
  Đăng nhập cán bộ / staff sign-in .. {base}/dang-nhap  (demo-operator / {password})
  Bảng giám sát / supervisor board .. {base}/bang-giam-sat  (demo-supervisor / {lead})
  Giám sát tỉnh / province supervisor {base}/dang-nhap  (demo-tinh / {province}: the board and /thong-ke of Quảng Trị)
  Tài liệu API / API docs ........... {base}/docs
  Sơ đồ quy trình / workflow ........ {base}/api/v1/workflow.mmd
  Mã điều phối viên / operator token: {issue_token("demo-operator", "operator")}
Thử địa chỉ / try the location: "thôn Tân Xuân, xã Cam Thành, huyện Cam Lộ, tỉnh Quảng Trị"
Ctrl-C để dừng / to stop.
""", flush=True)
