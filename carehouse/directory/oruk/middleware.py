"""Keep the public Open Referral API anonymous and open to other sites, whatever happens further in.

Placed before the session middleware: for paths under ``/oruk/`` it hides the browser's cookies
(so there is no session, sign-in or CSRF state, and nothing refreshes a signed-in session),
drops any cookie a later layer tries to set, and puts ``Access-Control-Allow-Origin: *`` on
every answer, including redirects and errors raised outside the API's own views.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

PREFIX = "/oruk/"


def is_api_path(path: str) -> bool:
    return path.startswith(PREFIX) or path == PREFIX.rstrip("/")


class OpenReferralApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not is_api_path(request.path_info):
            return self.get_response(request)
        request.COOKIES = {}
        response = self.get_response(request)
        for name in list(response.cookies):
            del response.cookies[name]
        response["Access-Control-Allow-Origin"] = "*"
        return response
