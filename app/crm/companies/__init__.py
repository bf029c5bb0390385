"""Companies: organisations with contacts, a hierarchy, an owner, tags and custom fields."""
