"""A realistic live-commerce platform, generated deterministically (``trustgraph seed``).

``generate(SeedConfig(seed=7, buyers=2000))`` returns ``(events, report)``: ``events`` is an
iterator of event dicts in the import format (``eventId``, ``type``, ``at`` and the fields of the
type), yielded in non-decreasing ``at`` order; ``report`` is a :class:`SeedReport` that fills in
as the stream is consumed and is complete (``report.complete``) once the iterator is exhausted.
The ground truth of the planted bad actors (brushing rings, refund-heavy shops,
false-advertising hosts) is in the report from the start. ``write_jsonl`` writes the stream to a
file for ``trustgraph import``.

Nothing here reads a clock, the environment or a file: every time derives from
``SeedConfig.start`` (taken as a date in +08:00, Beijing time) and every choice from one
``random.Random(seed)``. The same config always gives the same events, byte for byte.

The modules, one job each:
  config          SeedConfig and its checks
  world           the world's constants: categories and their norms, rights, hours, stars, names
  calibration     the behaviour's tunable constants and what they were calibrated on
  sampling        fast weighted and normal draws from single random() calls
  timeline        the queue of future events and visits, day by day; times of day
  marketplace     hosts and shops: popularity, links, join days, trust rights
  buyers          buyers and their relations to hosts and shops
  sessions        buyers' visits to live rooms (watch, comment, follow, buy, fan club)
  orders          orders and their outcomes (inspection, delivery, refund, complaint, review)
  bad_actors      refund-heavy shops, false-advertising hosts, penalties, false-ad reports
  brushing_rings  brushing rings and their fake orders
  attacks         the red team's attack families (--attacks), own random draws and ids
  report          SeedReport, the measured rates and their definitions
  generator       the simulation's build order, the day loop, generate()
  jsonl           write_jsonl
"""

from graph_api.seed.config import SeedConfig
from graph_api.seed.generator import generate
from graph_api.seed.jsonl import write_jsonl
from graph_api.seed.report import SeedReport
from graph_api.seed.world import CATEGORIES

__all__ = ["CATEGORIES", "SeedConfig", "SeedReport", "generate", "write_jsonl"]
