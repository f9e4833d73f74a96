"""Test-wide set-up: shared helper modules on sys.path, and hypothesis settings.

tests/ goes on sys.path so `strategies` and `proof_cases` import from every test folder.
No hypothesis deadline: group operations take tens of microseconds each and CI machines
are shared and noisy, so wall-clock limits per example would only make tests flaky.
"""

import sys
from pathlib import Path

from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))

settings.register_profile("referendum", deadline=None, print_blob=True)
settings.load_profile("referendum")
