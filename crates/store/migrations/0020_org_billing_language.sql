-- The language of an org's invoices, credit notes and reconciliation file (a language tag such
-- as "pt-BR"); none chosen: the program's default language.
ALTER TABLE orgs ADD COLUMN billing_language TEXT;
