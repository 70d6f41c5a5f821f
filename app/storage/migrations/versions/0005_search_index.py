"""The full-text search index over groups, people and agencies, and each locality's indexed version.

SQLite: an FTS5 virtual table (porter stemming, so "SENCOs" finds "SENCO").
PostgreSQL: a table whose ``document`` column is a generated tsvector, under
a GIN index.  Neither is in the models' metadata: the index is derived data,
rebuilt from the stored localities (``app.storage.search``), never backed up.
Triggers forget a locality's rows when it is deleted and when a person in it
is erased (``shown_from`` moves), in that same transaction.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SQLITE = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5(
        name, role, concerns, details,
        kind UNINDEXED, locality_pk UNINDEXED, ref UNINDEXED, facet UNINDEXED, extra UNINDEXED,
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TABLE IF NOT EXISTS search_state (
        locality_pk INTEGER PRIMARY KEY, revision INTEGER NOT NULL,
        created_at TEXT NOT NULL, shown_from INTEGER NOT NULL)""",
    """CREATE TRIGGER IF NOT EXISTS search_forget_deleted AFTER DELETE ON locality BEGIN
        DELETE FROM search_index WHERE locality_pk = OLD.pk;
        DELETE FROM search_state WHERE locality_pk = OLD.pk;
    END""",
    # 'optimize' merges the index's segments, so an erased name's words leave the index too.
    """CREATE TRIGGER IF NOT EXISTS search_forget_erased AFTER UPDATE OF shown_from ON locality BEGIN
        DELETE FROM search_index WHERE locality_pk = NEW.pk;
        DELETE FROM search_state WHERE locality_pk = NEW.pk;
        INSERT INTO search_index(search_index) VALUES ('optimize');
    END""",
)

POSTGRESQL = (
    """CREATE TABLE IF NOT EXISTS search_index (
        pk BIGSERIAL PRIMARY KEY, locality_pk INTEGER NOT NULL,
        kind VARCHAR(16) NOT NULL, ref VARCHAR(64) NOT NULL, facet VARCHAR(32), extra TEXT NOT NULL,
        name TEXT NOT NULL, role TEXT NOT NULL, concerns TEXT NOT NULL, details TEXT NOT NULL,
        document tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english', name), 'A') || setweight(to_tsvector('english', role), 'B')
            || setweight(to_tsvector('english', concerns), 'B') || setweight(to_tsvector('english', details), 'D')
        ) STORED)""",
    "CREATE INDEX IF NOT EXISTS ix_search_index_document ON search_index USING GIN (document)",
    "CREATE INDEX IF NOT EXISTS ix_search_index_locality_pk ON search_index (locality_pk)",
    """CREATE TABLE IF NOT EXISTS search_state (
        locality_pk INTEGER PRIMARY KEY, revision INTEGER NOT NULL,
        created_at TEXT NOT NULL, shown_from INTEGER NOT NULL)""",
    """CREATE OR REPLACE FUNCTION search_forget() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM search_index WHERE locality_pk = OLD.pk;
        DELETE FROM search_state WHERE locality_pk = OLD.pk;
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS search_forget_deleted ON locality",
    """CREATE TRIGGER search_forget_deleted AFTER DELETE ON locality
        FOR EACH ROW EXECUTE FUNCTION search_forget()""",
    "DROP TRIGGER IF EXISTS search_forget_erased ON locality",
    """CREATE TRIGGER search_forget_erased AFTER UPDATE OF shown_from ON locality
        FOR EACH ROW EXECUTE FUNCTION search_forget()""",
)


def upgrade() -> None:
    # IF NOT EXISTS throughout: a database made by create_all (as the tests' PostgreSQL one is)
    # is stamped and upgraded again, and must come out the same.
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS search_forget_erased" + (" ON locality" if _pg() else ""))
    op.execute("DROP TRIGGER IF EXISTS search_forget_deleted" + (" ON locality" if _pg() else ""))
    if _pg():
        op.execute("DROP FUNCTION IF EXISTS search_forget()")
    op.execute("DROP TABLE IF EXISTS search_state")
    op.execute("DROP TABLE IF EXISTS search_index")


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"
