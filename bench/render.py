"""What rendering a page's template costs, in CPU time of this process: the page of each path
is requested once (its template and context caught by Flask's `before_render_template`
signal), then `render_template` is called again with that context `--repeat` times; prints
the median and the size of the HTML. The description, page model and record are not
counted, only the templates and what they call (the History section's query among it).

    python bench/render.py doc/br/1.html doc/br/3.html
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from flask import before_render_template
from flask import render_template

from lodpub.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="paths below the base URL")
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    app = create_app()
    client = app.test_client()
    caught: list[tuple[str, dict[str, Any]]] = []

    def catch(sender: object, template: Any, context: dict[str, Any], **extra: object) -> None:
        caught.append((template.name, dict(context)))

    headers = {"Accept": "text/html"}
    with before_render_template.connected_to(catch, app):
        for path in args.paths:
            response = client.get("/" + path, headers=headers)
            assert response.status_code == 200, (path, response.status_code)
    for path, (name, context) in zip(args.paths, caught, strict=True):
        with app.test_request_context("/" + path, headers=headers):
            html = render_template(name, **context)
            times = []
            for _ in range(args.repeat):
                started = time.process_time()
                render_template(name, **context)
                times.append((time.process_time() - started) * 1000)
        print(
            f"{path or '/':20} {name:16} {statistics.median(times):5.2f} ms  {len(html):7,} chars"
        )


if __name__ == "__main__":
    main()
