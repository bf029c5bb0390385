"""Customer subscriptions: recurring lines of accepted quotes, renewed into invoices, with a
reminder task before each renewal."""
