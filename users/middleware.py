"""A failed-login lock on an HTML login page (/accounts/login/, /api-auth/login/,
/admin/login/) answers a readable 429 page; on the API the exception handler answers."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from users.login_limits import LoginLocked


class LoginLockedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, LoginLocked):
            return None
        response = TemplateResponse(
            request,
            "registration/login_locked.html",
            {"message": exception.detail, "wait": exception.wait},
            status=429,
        )
        response["Retry-After"] = str(int(exception.wait or 1))
        return response.render()
