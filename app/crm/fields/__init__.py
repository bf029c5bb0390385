"""Custom fields: definitions per object type, and validation of the values records carry."""
