"""Static files with DEBUG off, whether or not `collectstatic` has run (README).

After `collectstatic`: WhiteNoise's compressed, content-hashed names, served from
STATIC_ROOT with far-future caching. Before it: the plain names, which WhiteNoise serves
straight from the apps (WHITENOISE_USE_FINDERS), briefly cached, instead of a 500 on every
page for want of a manifest entry.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name: str) -> str:
        if not self.hashed_files:  # no manifest: collectstatic has not run
            return self.clean_name(name)
        return super().stored_name(name)
