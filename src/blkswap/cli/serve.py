"""``blkswap serve``: serve disks to real Linux blkfronts from a Linux dom0 (docs/real-xen.md).

    blkswap serve --domid D --devid N --image FILE --datapath map|copy|persistent
                  [--backend-kind vbd|qdisk] [--readonly] [--wire]
    blkswap serve --config devices.toml

Runs until SIGTERM/SIGINT, then closes every device cleanly and writes ``--counters`` (JSON).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .common import EXIT_OK, CliError

EPILOG = """\
on a stock Xen: map, copy and persistent. swap and transfer are refused with the reason (a TOML
device with fallback = "copy" is served by copy instead, and the log and counters say so).
examples:
  blkswap serve --domid 3 --devid 51728 --image /srv/d.img --datapath copy --counters c.json
  blkswap serve --config devices.toml        [[device]] domid, devid, image, datapath, …
"""


def add_serve_parser(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve disks to real Linux blkfronts (dom0 user space)",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    _add_options(p)


def _add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE.toml", help="several devices ([[device]] tables)")
    p.add_argument("--domid", type=int, help="the frontend's domain id")
    p.add_argument("--devid", type=int, help="the vbd device id (e.g. 51728 for xvdb)")
    p.add_argument("--image", help="raw image file to serve")
    p.add_argument("--datapath", default="map", help="map, copy or persistent [default map]")
    p.add_argument("--backend-kind", default="vbd", choices=("vbd", "qdisk"),
                   help="xenstore backend directory kind [default vbd]")  # fmt: skip
    p.add_argument("--readonly", action="store_true", help="serve read-only")
    p.add_argument("--wire", action="store_true",
                   help="write the toolstack's xenstore keys for the device first")  # fmt: skip
    p.add_argument("--counters", metavar="FILE", help="write the counters (JSON) here at exit")
    p.add_argument("--poll-timeout", type=float, default=1.0, metavar="S",
                   help="safety-net poll timeout in seconds [default 1]")  # fmt: skip
    p.add_argument("--xenstore", metavar="PATH",
                   help="xenstored socket or /dev/xen/xenbus [default: the socket if present]")  # fmt: skip


def _specs(args: argparse.Namespace) -> list[Any]:
    from blkswap.serve.config import ServeConfigError, load_toml, make_spec

    try:
        if args.config:
            if args.domid is not None or args.devid is not None or args.image:
                raise CliError("--config and --domid/--devid/--image exclude each other")
            return load_toml(args.config)
        if args.domid is None or args.devid is None or not args.image:
            raise CliError("give --config FILE, or --domid, --devid and --image")
        raw = {"domid": args.domid, "devid": args.devid, "image": args.image,
               "datapath": args.datapath, "backend-kind": args.backend_kind,
               "readonly": args.readonly, "wire": args.wire}  # fmt: skip
        spec = make_spec("serve", raw)
    except ServeConfigError as err:
        raise CliError(str(err)) from None
    reason = spec.refusal()
    if reason is not None:
        raise CliError(f"--datapath {spec.datapath}: not on a stock Xen: {reason}")
    return [spec]


def cmd_serve(args: argparse.Namespace) -> int:
    specs = _specs(args)
    if args.poll_timeout <= 0:
        raise CliError(f"--poll-timeout {args.poll_timeout}: must be > 0 seconds")
    from blkswap.serve.server import Server
    from blkswap.xen.linux.port import LinuxPort
    from blkswap.xen.linux.xenstore import XsClient

    try:
        port = LinuxPort(store=XsClient(args.xenstore) if args.xenstore else None)
    except OSError as err:
        raise CliError(
            f"cannot open the Xen devices ({err}); run in a Linux dom0 as root"
        ) from None
    server = Server(specs, port=port, poll_timeout=args.poll_timeout)
    try:
        server.start()
        server.run()
        report = server.report()
    finally:
        port.close()
    text = json.dumps(report, indent=1, sort_keys=True)
    if args.counters:
        with open(args.counters, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    held = report["held"]
    server.say(f"stopped ({report['stopped_by']}); still held: {held}")
    sys.stdout.flush()
    return EXIT_OK
