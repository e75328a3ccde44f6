"""Content-Security-Policy on every response (docs/security.md).

HTML pages get the site's policy (settings.CONTENT_SECURITY_POLICY, through django-csp,
with per-view additions such as ReDoc's). Everything else — JSON, scripts, styles,
images — gets the strictest policy, fixed: an API answer is never a document to run
anything in, and the fixed header costs the hot paths nothing to build.
"""

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponseBase

NON_HTML_POLICY = "default-src 'none'; frame-ancestors 'none'"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if HEADER not in response and not response.get("Content-Type", "").startswith("text/html"):
            response[HEADER] = NON_HTML_POLICY
            return response
        return super().process_response(request, response)
