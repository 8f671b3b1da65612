"""`yimen device add|list|revoke` and `yimen user add|list`: who may talk to the hall."""

from __future__ import annotations

import argparse
import getpass
import sys
import time

from .serve_cli import add_data_dir


def register(sub: argparse._SubParsersAction) -> None:
    from queue_server.auth import DEVICE_KINDS, USER_ROLES

    dev = sub.add_parser("device", help="device tokens (kiosk, display, keypad, review pad)",
                         description="Create, list and revoke the tokens devices use to talk to the server.")
    dsub = dev.add_subparsers(dest="device_command", required=True, metavar="ACTION")
    add = dsub.add_parser("add", help="create a device and print its token (shown once)",
                          description="Create a device token. The token is printed once; only its hash is stored.")
    add.add_argument("--name", required=True, help="a unique name, e.g. kiosk-1 or keypad-w3")
    add.add_argument("--kind", required=True, choices=DEVICE_KINDS, help="what the device is")
    bind = add.add_mutually_exclusive_group()
    bind.add_argument("--window", type=int, help="the window a keypad or review pad belongs to (required for them)")
    bind.add_argument("--any-window", action="store_true",
                      help="a roaming keypad that may act on every window (a supervisor's); recorded as itself")
    add_data_dir(add)
    add.set_defaults(func=device_add)
    ls = dsub.add_parser("list", help="list devices", description="List devices (tokens are never shown).")
    add_data_dir(ls)
    ls.set_defaults(func=device_list)
    rv = dsub.add_parser("revoke", help="revoke a device's token", description="Revoke a device token at once.")
    rv.add_argument("name")
    add_data_dir(rv)
    rv.set_defaults(func=device_revoke)

    user = sub.add_parser("user", help="clerk, manager and admin accounts",
                          description="Create and list the accounts people sign in with.")
    usub = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    uadd = usub.add_parser("add", help="create an account",
                           description="Create an account. At a terminal the password is asked twice; otherwise "
                                       "(a script, a pipe) it is the first line of stdin.")
    uadd.add_argument("--username", required=True)
    uadd.add_argument("--role", required=True, choices=USER_ROLES)
    uadd.add_argument("--display-name", default="", help="name shown on staff screens, e.g. 王芳")
    uadd.add_argument("--password-stdin", action="store_true",
                      help="read the password from the first line of stdin even at a terminal")
    _staff_card_arguments(uadd)
    add_data_dir(uadd)
    uadd.set_defaults(func=user_add)
    ucard = usub.add_parser("card", help="set what the review pad shows about a clerk",
                            description="Set a clerk's post, duties and photo for the window's staff card "
                                        "(工作人员信息公示) on the review pad.")
    ucard.add_argument("username")
    _staff_card_arguments(ucard)
    add_data_dir(ucard)
    ucard.set_defaults(func=user_card)
    uls = usub.add_parser("list", help="list accounts", description="List accounts (never passwords).")
    add_data_dir(uls)
    uls.set_defaults(func=user_list)
    for action, summary, func in (
            ("disable", "disable an account; its sessions end at once (the last admin stays)", user_disable),
            ("enable", "enable a disabled account again", user_enable),
            ("passwd", "set a new password (asked twice, or read from stdin); every session of the "
                       "account ends", user_passwd),
            ("logout", "sign an account out everywhere (a lost phone, a clerk who left)", user_logout)):
        one = usub.add_parser(action, help=summary, description=summary[0].upper() + summary[1:] + ".")
        one.add_argument("username")
        add_data_dir(one)
        one.set_defaults(func=func)


def _staff_card_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--post", help="the post shown on the staff card, e.g. 综合受理员")
    p.add_argument("--duties", help="a line on the clerk's duties, e.g. 社保、医保、民政业务受理")
    p.add_argument("--photo", metavar="FILE", help="a JPEG or PNG portrait, at most 512 KB")


def _set_card(args: argparse.Namespace, accounts) -> None:
    from pathlib import Path

    photo = Path(args.photo).read_bytes() if args.photo else None
    accounts.set_staff_card(args.username, args.post, args.duties, photo)


class NoDatabase(Exception):
    """The data folder holds no hall database: say where we looked instead of making an empty one."""


def _accounts(args: argparse.Namespace, create: bool = False):
    """The hall's accounts. Only adding may create the database (as on a box set up before its
    first `yimen serve`), and says so; listing or changing never makes an empty one."""
    from pathlib import Path

    from queue_server.auth import Accounts
    from queue_server.store import DB_NAME, Store

    path = Path(args.data_dir) / DB_NAME
    if not path.exists():
        if not create:
            raise NoDatabase(f"no hall database in {args.data_dir} (looked for {path}); "
                             "pass the server's --data-dir, or set YIMEN_DATA_DIR")
        print(f"yimen: no hall database in {args.data_dir} yet: created {path}. If the hall's server uses "
              "another folder, pass its --data-dir.", file=sys.stderr)
    return Accounts(Store.open(args.data_dir))


def _read_password() -> str | None:
    """Asked twice at a terminal; else the first line of stdin (scripts, `--password-stdin`)."""
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            password = getpass.getpass("Password: ")
            if getpass.getpass("Again: ") != password:
                print("yimen: the passwords differ", file=sys.stderr)
                return None
        except EOFError:
            password = ""
    else:
        line = sys.stdin.readline() if sys.stdin is not None else ""
        password = line.rstrip("\r\n")
    if not password:
        print("yimen: no password given (type it at the terminal, or send it as the first line of stdin)",
              file=sys.stderr)
        return None
    return password


def device_add(args: argparse.Namespace) -> int:
    from queue_server.auth import ANY_WINDOW, AuthError

    window = ANY_WINDOW if args.any_window else args.window
    try:
        token = _accounts(args, create=True).add_device(args.name, args.kind, window, time.time())
    except AuthError as exc:
        print(f"yimen: {exc}", file=sys.stderr)
        return 1
    where = ", every window" if args.any_window else f", window {args.window}" if args.window else ""
    print(f"device {args.name} ({args.kind}{where}) created.")
    print("Its token (shown only now; put it in the device's configuration):")
    print(token)
    return 0


def device_list(args: argparse.Namespace) -> int:
    for d in _accounts(args).devices():
        state = "revoked" if d["revoked_at"] else "active"
        window = "any window" if d["window"] == 0 else f"window {d['window']}" if d["window"] else ""
        print(f"{d['name']:<24} {d['kind']:<8} {window:<10} {state}")
    return 0


def device_revoke(args: argparse.Namespace) -> int:
    if _accounts(args).revoke_device(args.name, time.time()):
        print(f"device {args.name} revoked")
        return 0
    print(f"yimen: no active device named {args.name!r}", file=sys.stderr)
    return 1


def user_add(args: argparse.Namespace) -> int:
    from queue_server.auth import AuthError

    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else _read_password()
    if password is None:
        return 1
    accounts = _accounts(args, create=True)
    try:
        accounts.add_user(args.username, password, args.role, time.time(), args.display_name)
        _set_card(args, accounts)
    except (AuthError, OSError) as exc:
        print(f"yimen: {exc}", file=sys.stderr)
        return 1
    print(f"user {args.username} ({args.role}) created")
    return 0


def user_card(args: argparse.Namespace) -> int:
    from queue_server.auth import AuthError

    try:
        _set_card(args, _accounts(args))
    except (AuthError, OSError) as exc:
        print(f"yimen: {exc}", file=sys.stderr)
        return 1
    print(f"staff card of {args.username} updated")
    return 0


def user_list(args: argparse.Namespace) -> int:
    for u in _accounts(args).users():
        print(f"{u['username']:<20} {u['role']:<8} {u['display_name']}{'  (disabled)' if u['disabled'] else ''}")
    return 0


def _account_change(args: argparse.Namespace, change) -> int:
    from queue_server.auth import AuthError

    try:
        said = change(_accounts(args))
    except (AuthError, NoDatabase) as exc:
        print(f"yimen: {exc}", file=sys.stderr)
        return 1
    print(said)
    return 0


def user_disable(args: argparse.Namespace) -> int:
    return _account_change(args, lambda a: f"user {args.username} disabled; "
                                           f"{a.set_disabled(args.username, True)} session(s) ended")


def user_enable(args: argparse.Namespace) -> int:
    def enable(accounts) -> str:
        accounts.set_disabled(args.username, False)
        return f"user {args.username} enabled"
    return _account_change(args, enable)


def user_passwd(args: argparse.Namespace) -> int:
    password = _read_password()
    if password is None:
        return 1
    return _account_change(args, lambda a: f"password of {args.username} changed; "
                                           f"{a.set_password(args.username, password)} session(s) ended")


def user_logout(args: argparse.Namespace) -> int:
    return _account_change(args, lambda a: f"{a.end_sessions(args.username)} session(s) of {args.username} ended")
