"""Imported once by the forkserver that starts the pipeline's worker processes.

Each worker is forked from the forkserver, so what is loaded and warmed here
is ready in every worker at no cost: the text core, tagging, and page
extraction, whose first call spends about 1.6 s initializing (trafilatura's
date and URL helpers) and would otherwise do so in every new worker.
"""

import khabar.enrich  # noqa: F401
import khabar.pipeline  # noqa: F401
from khabar.ingest.pages import warm_up

warm_up()
