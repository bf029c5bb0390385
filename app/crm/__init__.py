"""CRM records: contacts, companies, leads, activities, tags and custom fields."""
