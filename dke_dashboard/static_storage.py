"""Static files: hashed names and brotli/gzip variants in production, plain names in a checkout.

``collectstatic`` (production) writes every file under a content-hashed name (``app.3f2a….css``) with
``.br`` and ``.gz`` variants, and a manifest; templates then link the hashed names, and WhiteNoise serves
them with ten years' ``max-age`` and ``immutable`` (a new file gets a new name, so it is never stale).

Without a manifest – the test suite from a clean clone, ``make demo``'s runserver, a checkout nobody
ran ``collectstatic`` in – Django's manifest storage would fail every template that links a static file
(``Missing staticfiles manifest entry``) once ``DEBUG`` is off. This storage gives the plain name then,
and WhiteNoise (or runserver) serves the file from the app's ``static/`` folder. Once a manifest exists
it is strict: a name missing from it is an error, not a silent fallback.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name: str) -> str:
        if not self.hashed_files:  # no manifest: collectstatic has not run here
            return name
        return super().stored_name(name)
