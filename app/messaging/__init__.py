"""Outgoing messages: the transactional outbox, email providers and the dev mailbox."""
