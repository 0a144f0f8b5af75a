-- The language a person chose under Account: a shipped language's tag ("pt-BR"), or NULL to
-- follow their browser's Accept-Language.
ALTER TABLE users ADD COLUMN language TEXT;
ALTER TABLE staff_users ADD COLUMN language TEXT;
