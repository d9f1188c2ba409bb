"""``retention drill``: restore the newest recovery point of each chosen resource into a scratch resource,
compare it with what the recovery point held, time it against the category's RTO, and write the evidence
(``docs/restore.md``, "Drills").

Modules: ``plan`` (which resources, which vault, the scratch names), ``restore`` (recovery point, restore
job, progress, clean-up), ``facts`` (reading a table or bucket into comparable facts, streamed),
``reference`` (what the recovery point held: exact in the sandbox, approximated on AWS), ``compare`` (the
checks), ``report`` (drill.json, drill.md), ``run`` (one resource end to end), ``cli`` (the subcommand).
"""
