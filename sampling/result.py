"""What every weighting method returns: :class:`WeightingResult`, defined in :mod:`sampling.weighting.result`.

It lives beside the methods so that none of them imports back up the package; this module keeps
the public path ``sampling.result.WeightingResult``.
"""

from __future__ import annotations

from sampling.weighting.result import WeightingResult

__all__ = ["WeightingResult"]
