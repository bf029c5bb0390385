"""Lead capture forms: a builder, a hosted page and an embed, spam defences, attribution."""
