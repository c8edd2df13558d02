-- The help centre's articles and the legal pages, loaded from content/ at start-up.
-- English is searched with stemming; Kiswahili word by word.
CREATE TABLE content_pages (
    kind          text NOT NULL CHECK (kind IN ('legal', 'help')),
    slug          text NOT NULL CHECK (slug ~ '^[a-z0-9-]{1,60}$'),
    product       text NOT NULL CHECK (product IN ('sasamum', 'fishmouth', 'platform')),
    language      text NOT NULL CHECK (language IN ('en', 'sw')),
    title         text NOT NULL,
    summary       text NOT NULL,
    updated       date NOT NULL,
    body_markdown text NOT NULL,
    body_html     text NOT NULL,
    search        tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(CASE WHEN language = 'en' THEN 'english'::regconfig ELSE 'simple'::regconfig END, title), 'A')
        || setweight(to_tsvector(CASE WHEN language = 'en' THEN 'english'::regconfig ELSE 'simple'::regconfig END, summary), 'B')
        || to_tsvector(CASE WHEN language = 'en' THEN 'english'::regconfig ELSE 'simple'::regconfig END, body_markdown)
    ) STORED,
    PRIMARY KEY (kind, slug, product, language)
);
CREATE INDEX content_pages_search_idx ON content_pages USING gin (search);

-- Support requests: a confirmation email goes out through the outbox, and she sees her tickets.
CREATE TABLE support_tickets (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    subject    text NOT NULL CHECK (length(subject) BETWEEN 1 AND 150),
    body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    page       text CHECK (length(page) <= 200),
    status     text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'closed')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX support_tickets_user_idx ON support_tickets (user_id, created_at DESC);
