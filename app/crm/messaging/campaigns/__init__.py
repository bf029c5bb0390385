"""Campaigns: one template to an audience (a tag list, a saved view, a segment), now or at a
scheduled time, in throttled batches run as per-tenant jobs.

Before each batch the plan's monthly meter is checked under the tenant lock: what exceeds it
stays `waiting` (visible, and resumed by itself after an upgrade or at the next period) —
nothing is dropped. Recipients without consent, or suppressed, are kept as `blocked` so the
numbers add up.

The package: `audiences` (who receives it), `services` (drafts, start, cancel, resume),
`jobs` (the per-tenant jobs that queue and send batches), `results` (the numbers).
"""
