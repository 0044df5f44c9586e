#!/usr/bin/env python3
"""Writes tests/malformed/*.toml: a valid base scenario with one mistake each. The first
line of each file says where `pocnet check` must point and what it must say:
`# expect: LINE: text`. Run from coordinator/: python3 tests/make-malformed.py"""
import os

BASE = '''[scenario]
name = "malformed"
seed = 1
start = "2025-11-03T00:00:00Z"
end = "2025-11-10T00:00:00Z"

[network]
link_delay = "200ms"

[profiles.p]
acknowledge = { staffed = "10m", on_call = "30m" }
fulfil = { staffed = "2h", on_call = "4h" }
refuse_probability = 0.1
give_up_after = "3d"

[[states]]
code = "FRA"
name = "France"
region = "EU/Europe"
tz = "Europe/Paris"
workweek = "Mon-Fri"
roster = "office-hours-on-call"
hours = ["09:00-17:00"]
holidays = ["2025-11-11"]
profile = "p"

[[states]]
code = "VNM"
name = "Viet Nam"
region = "Asia-Pacific"
tz = "Asia/Ho_Chi_Minh"
roster = "office-hours-only"
profile = "p"

[[injects]]
at = "2025-11-04T03:00:00Z"
from = "FRA"
to = "VNM"
kind = "preservation"
retention = "5d"
'''

INJECT_HEAD = '[[injects]]\nat = "2025-11-04T03:00:00Z"\nfrom = "FRA"\nto = "VNM"\n'
PROVIDER_VN = '[[providers]]\nname = "mailco-vn"\nhome = "VNM"\n\n'
PROVIDER_FR = '[[providers]]\nname = "mailco-fr"\nhome = "FRA"\n\n'

# (name, old text, new text (may hold several lines; the one with @ is where the error is), expected text)
CASES = [
    ("unknown-scenario-field", 'seed = 1\n', 'seed = 1\n@colour = "red"\n', "unknown field"),
    ("unknown-state-in-inject", 'to = "VNM"\n', '@to = "XYZ"\n', "unknown state XYZ"),
    ("lowercase-state-code", 'code = "VNM"\n', '@code = "Vnm"\n', "not a state code"),
    ("unknown-time-zone", 'tz = "Asia/Ho_Chi_Minh"\n', '@tz = "Mars/Olympus_Mons"\n', "unknown time zone"),
    ("overlapping-shifts", 'hours = ["09:00-17:00"]\n', '@hours = ["09:00-13:00", "12:00-17:00"]\n', "overlap"),
    ("inject-before-start", 'at = "2025-11-04T03:00:00Z"\n', '@at = "2025-11-01T03:00:00Z"\n', "outside the scenario"),
    ("inject-after-end", 'at = "2025-11-04T03:00:00Z"\n', '@at = "2025-12-04T03:00:00Z"\n', "outside the scenario"),
    ("probability-above-one", 'refuse_probability = 0.1\n', '@refuse_probability = 1.5\n', "outside [0, 1]"),
    ("duration-in-words", 'give_up_after = "3d"\n', '@give_up_after = "3 days"\n', "not a duration"),
    ("p90-below-median", 'acknowledge = { staffed = "10m"', '@acknowledge = { staffed = "median 1h p90 10m"', "below its median"),
    ("unknown-kind", 'kind = "preservation"\n', '@kind = "hacking"\n', "unknown request kind"),
    ("unknown-roster", 'roster = "office-hours-only"\n', '@roster = "sometimes"\n', "unknown roster"),
    ("unknown-profile", 'roster = "office-hours-only"\nprofile = "p"\n', 'roster = "office-hours-only"\n@profile = "ghost"\n', "unknown profile"),
    ("state-twice", '[[injects]]\n', '[[states]]\n@code = "FRA"\nname = "France again"\n\n[[injects]]\n', "appears twice"),
    ("request-to-itself", 'to = "VNM"\n', '@to = "FRA"\n', "itself"),
    ("month-thirteen", 'at = "2025-11-04T03:00:00Z"\n', '@at = "2025-13-04T03:00:00Z"\n', "not a UTC time"),
    ("negative-seed", 'seed = 1\n', '@seed = -1\n', "non-negative"),
    ("misspelt-workweek", 'workweek = "Mon-Fri"\n', '@workweek = "Mon-Fry"\n', "not a working week"),
    # (17:00-09:00 is a night shift now; this one is empty.)
    ("empty-shift", 'hours = ["09:00-17:00"]\n', '@hours = ["17:00-17:00"]\n', "starts and ends at the same time"),
    ("impossible-holiday", 'holidays = ["2025-11-11"]\n', '@holidays = ["2025-02-30"]\n', "not a date"),
    ("zero-link-delay", 'link_delay = "200ms"\n', '@link_delay = "0ms"\n', "at least 1ms"),
    ("unknown-metric", '[[injects]]\n', '[[thresholds]]\n@metric = "happiness"\nbelow = 0.5\n\n[[injects]]\n', "unknown metric"),
    ("unknown-statistic", '[[injects]]\n', '[[thresholds]]\nmetric = "ack_time"\n@stat = "p42"\nbelow = "1h"\n\n[[injects]]\n', "unknown statistic"),
    ("ratio-with-stat", '[[injects]]\n', '[[thresholds]]\nmetric = "expired_ratio"\n@stat = "p95"\nbelow = 0.1\n\n[[injects]]\n', "takes no `stat`"),
    ("time-bound-as-number", '[[injects]]\n', '[[thresholds]]\nmetric = "ack_time"\nstat = "p95"\n@below = 5\n\n[[injects]]\n', "duration string"),
    ("unknown-threshold-region", '[[injects]]\n', '[[thresholds]]\nmetric = "expired_ratio"\n@region = "Atlantis"\nbelow = 0.1\n\n[[injects]]\n', "unknown region"),
    ("unknown-fault", '[[injects]]\n', '[[faults]]\n@kind = "earthquake"\nstate = "FRA"\n\n[[injects]]\n', "unknown fault"),
    ("fault-ends-before-it-starts", '[[injects]]\n', '[[faults]]\nkind = "down"\nstate = "FRA"\nfrom = "2025-11-05T00:00:00Z"\n@until = "2025-11-04T00:00:00Z"\n\n[[injects]]\n', "must come after"),
    ("partition-of-unknown-region", '[[injects]]\n', '[[faults]]\nkind = "partition"\n@a = ["Atlantis"]\nb = ["*"]\nfrom = "2025-11-05T00:00:00Z"\nuntil = "2025-11-06T00:00:00Z"\n\n[[injects]]\n', "neither a state"),
    ("fault-outside-scenario", '[[injects]]\n', '[[faults]]\nkind = "down"\nstate = "FRA"\n@from = "2026-11-05T00:00:00Z"\nuntil = "2026-11-06T00:00:00Z"\n\n[[injects]]\n', "outside the scenario"),
    ("chain-back-to-requester", 'retention = "5d"\n', 'retention = "5d"\n@chain = ["FRA"]\n', "chain link"),
    ("deletion-and-retention", 'retention = "5d"\n', 'evidence_deleted_at = "2025-11-06T00:00:00Z"\n@retention = "5d"\n', "not both"),
    ("deleted-before-request", 'retention = "5d"\n', '@evidence_deleted_at = "2025-11-04T00:00:00Z"\n', "before the request"),
    ("unclosed-string", 'name = "malformed"\n', '@name = "malformed\n', "string"),
    ("seed-as-text", 'seed = 1\n', '@seed = "one"\n', "invalid type"),
    ("link-loss-above-one", 'link_delay = "200ms"\n', 'link_delay = "200ms"\n\n[[network.links]]\nbetween = ["FRA", "*"]\n@loss = 1.5\n', "outside [0, 1)"),
    ("zero-generation-rate", '[[injects]]\n', '[[generate]]\n@rate_per_day = 0.0\nkinds = { preservation = 1 }\n\n[[injects]]\n', "rate_per_day"),
    ("state-without-name", 'code = "VNM"\nname = "Viet Nam"\n', '@code = "VNM"\n', "`name` is required"),
    ("end-before-start", 'end = "2025-11-10T00:00:00Z"\n', '@end = "2025-11-01T00:00:00Z"\n', "must end after"),
    ("misspelt-profile-field", 'give_up_after = "3d"\n', 'give_up_after = "3d"\n@acknowlege_fast = "1m"\n', "unknown field"),
    ("too-many-resends", 'give_up_after = "3d"\n', 'give_up_after = "3d"\n@resends_max = 1000\n', "resends_max"),
    ("unknown-kind-in-central-authority", 'give_up_after = "3d"\n', 'give_up_after = "3d"\n@central_authority = { kinds = ["gossip"], delay = "1d" }\n', "unknown request kind"),
    ("empty-mla-hours", '[profiles.p]\n', '[mla]\n@hours = []\n\n[profiles.p]\n', "at least one shift"),
    ("overlapping-mla-hours", '[profiles.p]\n', '[mla]\n@hours = ["09:00-13:00", "12:00-17:00"]\n\n[profiles.p]\n', "overlap"),
    ("empty-central-authority-hours", 'give_up_after = "3d"\n', 'give_up_after = "3d"\n@central_authority = { kinds = ["preservation"], delay = "1d", hours = [] }\n', "at least one shift"),
    ("on-call-officers-at-a-closed-office", 'give_up_after = "3d"\n', 'give_up_after = "3d"\n@central_authority = { kinds = ["preservation"], delay = "1d", officers = { staffed = 1, on_call = 2 } }\n', "would never work"),
    ("verifying-pings", 'give_up_after = "3d"\n', 'give_up_after = "3d"\n@verify = { how = "call-back", time = "10m", kinds = ["emergency", "ping"] }\n', "never verified"),
    ("hubs-covering-each-other", '[[injects]]\n', '[[hubs]]\nhub = "FRA"\nmembers = ["VNM"]\nhours = ["00:00-24:00"]\n\n[[hubs]]\n@hub = "VNM"\nmembers = ["FRA"]\nhours = ["00:00-24:00"]\n\n[[injects]]\n', "no hub covers a hub"),
    ("hub-twice", '[[injects]]\n', '[[hubs]]\nhub = "FRA"\nmembers = ["VNM"]\nhours = ["00:00-24:00"]\n\n[[hubs]]\n@hub = "FRA"\nmembers = ["VNM"]\nhours = ["00:00-24:00"]\n\n[[injects]]\n', "named as a hub twice"),

    # Shifts: the field out of range is named; a night shift may not overlap the morning's.
    ("hour-out-of-range", 'hours = ["09:00-17:00"]\n', '@hours = ["08:00-25:00"]\n', "the end `25:00` has hour 25: hours run from 00 to 23"),
    ("minute-out-of-range", 'hours = ["09:00-17:00"]\n', '@hours = ["09:00-17:75"]\n', "the end `17:75` has minute 75: minutes run from 00 to 59"),
    ("night-shift-overlapping-the-morning", 'hours = ["09:00-17:00"]\n', '@hours = ["22:00-06:00", "05:00-13:00"]\n', "overlap"),
    # Did you mean: the nearest known name.
    ("misspelt-time-zone", 'tz = "Europe/Paris"\n', '@tz = "Europe/Pari"\n', "unknown time zone `Europe/Pari`: did you mean `Europe/Paris`?"),
    ("misspelt-profile", 'roster = "office-hours-only"\nprofile = "p"\n', 'roster = "office-hours-only"\n@profile = "P"\n', "unknown profile `P`: did you mean `p`?"),
    ("misspelt-state-in-inject", 'to = "VNM"\n', '@to = "VMN"\n', "did you mean `VNM`?"),
    ("misspelt-profile-key", 'refuse_probability = 0.1\n', '@refuse_probabilty = 0.1\n', "unknown field `refuse_probabilty`: did you mean `refuse_probability`?"),
    ("misspelt-roster", 'roster = "office-hours-only"\n', '@roster = "office-hours-onyl"\n', "unknown roster `office-hours-onyl`: did you mean `office-hours-only`?"),
    ("on-call-officers-at-a-desk-never-on-call", 'give_up_after = "3d"\n', 'give_up_after = "3d"\n@officers = { staffed = 1, on_call = 1 }\n', "VNM is never on call"),
    # A fault's kind is parsed once, the model's and the mesh's alike.
    ("misspelt-fault-kind", '[[injects]]\n', '[[faults]]\n@kind = "partiton"\na = ["FRA"]\nb = ["*"]\nfrom = "2025-11-05T00:00:00Z"\nuntil = "2025-11-06T00:00:00Z"\n\n[[injects]]\n', "unknown fault `partiton`: did you mean `partition`? (expected down, partition, stale, crash or cut)"),
    ("misspelt-mesh-fault-kind", '[[injects]]\n', '[[faults]]\n@kind = "crsh"\nstate = "FRA"\nfrom = "2025-11-05T00:00:00Z"\n\n[[injects]]\n', "unknown fault `crsh`: did you mean `crash`?"),
    # Shift ends: the policy named, a cost only with a hand-over, and only at counted desks.
    ("misspelt-shift-end", 'give_up_after = "3d"\n', 'give_up_after = "3d"\ntranslators = { staffed = 1 }\n@shift_end = "overtim"\n', "unknown shift_end `overtim`: did you mean `overtime`?"),
    ("hand-over-cost-without-a-hand-over", 'give_up_after = "3d"\n', 'give_up_after = "3d"\ntranslators = { staffed = 1 }\nshift_end = "overtime"\n@hand_over_cost = "15m"\n', "hand_over_cost applies only with shift_end"),
    ("shift-end-without-counted-officers", 'give_up_after = "3d"\n', 'give_up_after = "3d"\n@shift_end = "hand_over"\n', "set `officers`"),
    ("hand-over-cost-in-words", 'give_up_after = "3d"\n', 'give_up_after = "3d"\ntranslators = { staffed = 1 }\nshift_end = "hand_over"\n@hand_over_cost = "a while"\n', "`a while`"),
    # Direct orders to providers: names found (or the nearest offered), homes, parties,
    # terms and the limits of the wire.
    ("misspelt-provider-in-inject", INJECT_HEAD, PROVIDER_VN + '[[injects]]\nat = "2025-11-04T03:00:00Z"\nfrom = "FRA"\nto = "VNM"\n@provider = "mailco-nv"\n', "unknown provider `mailco-nv`: did you mean `mailco-vn`?"),
    ("provider-away-from-home", INJECT_HEAD, PROVIDER_FR + '[[injects]]\nat = "2025-11-04T03:00:00Z"\nfrom = "FRA"\n@to = "VNM"\nprovider = "mailco-fr"\n', "`to` must be FRA"),
    ("inject-without-to-or-provider", INJECT_HEAD, '@[[injects]]\nat = "2025-11-04T03:00:00Z"\nfrom = "FRA"\n', "`to` is required"),
    ("misspelt-instrument", '[[injects]]\n', '[[agreements]]\nname = "a"\n@instrument = "eu-evidence"\nparties = ["FRA", "VNM"]\n\n[[injects]]\n', "unknown instrument `eu-evidence`: did you mean `eu-e-evidence`?"),
    ("misspelt-agreement-party", '[[injects]]\n', '[[agreements]]\nname = "a"\ninstrument = "cloud-act"\nparties = [\n  "FRA",\n@  "VMN",\n]\n\n[[injects]]\n', "unknown state `VMN`: not among the scenario's contact points: did you mean `VNM`?"),
    ("agreement-of-one-state", '[[injects]]\n', '[[agreements]]\nname = "a"\ninstrument = "cloud-act"\n@parties = ["FRA"]\n\n[[injects]]\n', "at least two parties"),
    ("review-true", '[[injects]]\n', '[[agreements]]\nname = "a"\ninstrument = "cloud-act"\nparties = ["FRA", "VNM"]\n@review = true\n\n[[injects]]\n', "a duration like \"10d\", or false"),
    ("deadline-over-a-year", '[[injects]]\n', '[[agreements]]\nname = "a"\ninstrument = "eu-e-evidence"\nparties = ["FRA", "VNM"]\n@deadline = "400d"\n\n[[injects]]\n', "at most 366d"),
    ("direct-share-above-one", '[[injects]]\n', '[roads]\n@direct_share = 2.0\n\n[[injects]]\n', "outside [0, 1]"),
    ("provider-home-unknown", '[[injects]]\n', '[[providers]]\nname = "x"\n@home = "ATL"\n\n[[injects]]\n', "unknown state `ATL`"),
    ("provider-named-twice", '[[injects]]\n', PROVIDER_FR + '[[providers]]\n@name = "mailco-fr"\nhome = "VNM"\n\n[[injects]]\n', "named twice: first at line"),
    ("provider-work-in-words", '[[injects]]\n', '[[providers]]\nname = "x"\nhome = "FRA"\n@work = "two days"\n\n[[injects]]\n', "`two days`"),
    ("nine-providers", '[[injects]]\n', "".join(f'[[providers]]\nname = "p{i}"\nhome = "FRA"\n\n' for i in range(1, 9)) + '@[[providers]]\nname = "p9"\nhome = "FRA"\n\n[[injects]]\n', "more than 8 providers"),
    ("nine-agreements", '[[injects]]\n', "".join(f'[[agreements]]\nname = "a{i}"\ninstrument = "cloud-act"\nparties = ["FRA", "VNM"]\n\n' for i in range(1, 9)) + '@[[agreements]]\nname = "a9"\ninstrument = "cloud-act"\nparties = ["FRA", "VNM"]\n\n[[injects]]\n', "more than 8 agreements"),
    ("misspelt-provider-in-generate", '[[injects]]\n', PROVIDER_VN + '[[generate]]\nrate_per_day = 1.0\nkinds = { preservation = 1.0 }\n@providers = ["mailco-vm"]\n\n[[injects]]\n', "unknown provider `mailco-vm`: did you mean `mailco-vn`?"),
]

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "malformed")
os.makedirs(here, exist_ok=True)
for old_name in os.listdir(here):
    os.remove(os.path.join(here, old_name))
for i, (name, old, new, expect) in enumerate(CASES, 1):
    assert BASE.count(old) >= 1, name
    text = BASE.replace(old, new, 1)
    lines = text.split("\n")
    marked = [n for n, l in enumerate(lines) if l.startswith("@")]
    assert len(marked) == 1, name
    lines[marked[0]] = lines[marked[0]][1:]
    line = marked[0] + 2  # 1-based, after the header line
    body = "\n".join(lines)
    with open(os.path.join(here, f"{i:02}-{name}.toml"), "w") as f:
        f.write(f"# expect: {line}: {expect}\n{body}")
print(len(CASES), "files")
