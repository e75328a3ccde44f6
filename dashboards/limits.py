"""Limits and patterns of the domain, each written once.

Models, the widget registry, both API families' serializers and the OpenAPI schema derive
from these constants, so a limit changes in one place. Nothing here imports the project.
"""

NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2000
WIDGET_TITLE_MAX_LENGTH = 200

# A dashboard's `type`: a lowercase slug such as `executive` or `sales`.
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,49}$"
SLUG_MAX_LENGTH = 50
# The id a client gives a widget ("widget_1"), unique within its dashboard.
WIDGET_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
WIDGET_KEY_MAX_LENGTH = 64

MAX_WIDGETS = 100
MAX_DEFINITION_BYTES = 256 * 1024
MAX_METADATA_BYTES = 64 * 1024  # a project's free-form metadata
# A metric point's dimension value; rollup rows keep such values in columns of this length.
MAX_DIMENSION_VALUE_LENGTH = 200
# Levels of arrays and objects: a request body, and a document of its own (a definition,
# a widget config, project metadata). dashboards/jsonlimits.py applies them.
MAX_BODY_DEPTH = 100
MAX_DOCUMENT_DEPTH = 32

# 0 is manual refresh; otherwise seconds between refreshes.
MIN_REFRESH_INTERVAL = 5
MAX_REFRESH_INTERVAL = 86400

SIZES = ("small", "medium", "large", "full")
DEFAULT_SIZE = "medium"
SCOPES = ("user", "project")
# Project roles, weakest first: each includes what the ones before it may do.
ROLES = ("viewer", "editor", "admin")
DEFAULT_DASHBOARD_TYPE = "custom"

# History: a write's note (every write body of both families takes `message`), and how many
# versions a dashboard keeps by default (settings.DASHBOARD_VERSIONS_KEEP; 0 keeps all).
VERSION_MESSAGE_MAX_LENGTH = 500
DEFAULT_VERSIONS_KEEP = 50

# Transfer: the export file's format version, and what one import request may carry.
EXPORT_SCHEMA_VERSION = 1
MAX_IMPORT_DASHBOARDS = 500
MAX_IMPORT_BODY_BYTES = 16 * 1024 * 1024

# Dashboard variables (`definition.variables`, docs/variables.md): how many a dashboard
# declares, how a variable is named (it travels as the query parameter `var-<name>`), how
# many options a dimension variable lists, and the longest time range a read may ask for.
MAX_VARIABLES = 20
VARIABLE_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,63}$"
MAX_VARIABLE_OPTIONS = 100
MAX_TIME_RANGE_YEARS = 10
# Share links (docs/sharing.md). A token is `secrets.token_urlsafe(SHARE_TOKEN_BYTES)`:
# 256 bits, 43 URL-safe characters; only its SHA-256 is stored.
SHARE_TOKEN_BYTES = 32
SHARE_TOKEN_LENGTH = 43
SHARE_TOKEN_HASH_LENGTH = 64
SHARE_TOKEN_SHOWN_CHARS = 4
VARIABLE_NAME_MAX_LENGTH = 64
# What one link may lock or open to its viewers, and where it may be framed.
MAX_SHARE_VARIABLES = 20
SHARE_VARIABLE_VALUE_MAX_LENGTH = 200
MAX_SHARE_FRAME_ANCESTORS = 10
SHARE_ORIGIN_MAX_LENGTH = 200
# Links of one dashboard that are not revoked (expired ones count until revoked).
MAX_ACTIVE_SHARES = 50
