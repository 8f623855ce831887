"""Person keys that are not keyed hashes yet are re-keyed as an import now writes them (issue 21).

Before, a CPR column none of whose cells had the form ddmmåå-xxxx or ddmmååxxxx was taken for a
person id column and stored as it was ("120482 3349", "170893/2211", "905913579" with Excel's lost
0), and police person ids were stored as they were. Each such value now gets the key
``common.persons.person_rekey`` gives it: the CPR key of a CPR number in any written
form (so re-importing the same file finds the same rows), else the person id's key. The charge
facts, the rollback values of the change log and the errors kept on batches follow.

Nine digits are read as a CPR number with its leading 0 lost (the case the issue found): a police
person id of nine digits that happens to form a valid CPR date would be keyed as a CPR number here,
while a new import of a Person-ID column keys it as a person id.
"""

from django.conf import settings
from django.db import migrations

BATCH = 5000


def _rekey(apps, schema_editor):
    from common.persons import PERSON_KEY, person_mask, person_rekey

    Charge = apps.get_model("reports", "Charge")
    ChargeFact = apps.get_model("reports", "ChargeFact")
    ImportChange = apps.get_model("importers", "ImportChange")
    ImportBatch = apps.get_model("importers", "ImportBatch")
    connection = schema_editor.connection
    q = connection.ops.quote_name
    raw = set()
    for model in (Charge, ChargeFact):
        values = (model.objects.exclude(person_key__regex=r"^(cpr|pid):[0-9a-f]{40}$")
                  .values_list("person_key", flat=True).distinct())
        raw |= {v for v in values.iterator() if not PERSON_KEY.match(v)}
    changes = [c for c in ImportChange.objects.filter(previous__has_key="person_key").iterator()
               if not PERSON_KEY.match(str(c.previous.get("person_key") or ""))]
    if raw or changes:
        secret = settings.PERSON_KEY_SECRET
        if not secret:
            raise RuntimeError("PERSON_KEY_SECRET must be set to re-key the stored person keys (reports 0007).")
        mapping = {value: person_rekey(value, secret=secret) for value in raw}
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE person_rekey (old VARCHAR(64) PRIMARY KEY, new VARCHAR(64) NOT NULL)")
            pairs = list(mapping.items())
            for start in range(0, len(pairs), 1000):  # a statement per thousand rows, not per row
                part = pairs[start:start + 1000]
                cursor.execute("INSERT INTO person_rekey (old, new) VALUES " + ", ".join(["(%s, %s)"] * len(part)),
                               [value for pair in part for value in pair])
            cursor.execute("ANALYZE person_rekey")  # a temporary table has no statistics otherwise
            # the charge facts have no index on their charge's key: one for the look-ups below
            cursor.execute(f"CREATE INDEX person_rekey_facts ON {q(ChargeFact._meta.db_table)} "
                           "(journal_number, forhold)")
            for model, group in ((Charge, ["journal_number", "forhold"]),
                                 (ChargeFact, ["basis", "journal_number", "forhold"])):
                table = q(model._meta.db_table)
                same = " AND ".join(f"d.{q(c)} = c.{q(c)}" for c in group)
                # a row whose new key its charge already has (stored keyed, or another spelling of the same
                # CPR number on the same offence) is the same charge twice: the first one stays
                cursor.execute(
                    f"DELETE FROM {table} WHERE id IN (SELECT c.id FROM {table} c JOIN person_rekey m ON m.old = "
                    f"c.person_key WHERE EXISTS (SELECT 1 FROM {table} d LEFT JOIN person_rekey n ON n.old = "
                    f"d.person_key WHERE {same} AND d.id <> c.id AND COALESCE(n.new, d.person_key) = m.new "
                    "AND (n.old IS NULL OR d.id < c.id)))"
                )
                if connection.vendor == "postgresql":  # a join, not a look-up per row
                    cursor.execute(f"UPDATE {table} t SET person_key = m.new FROM person_rekey m WHERE m.old = t.person_key")
                else:
                    cursor.execute(
                        f"UPDATE {table} SET person_key = (SELECT new FROM person_rekey WHERE old = {table}.person_key) "
                        "WHERE person_key IN (SELECT old FROM person_rekey)"
                    )
            cursor.execute("DROP INDEX person_rekey_facts")
            cursor.execute("DROP TABLE person_rekey")
        for change in changes:
            value = str(change.previous["person_key"])
            change.previous["person_key"] = mapping.get(value) or person_rekey(value, secret=secret)
        ImportChange.objects.bulk_update(changes, ["previous"], batch_size=BATCH)
    # errors kept on batches showed the person column's cells as they were
    person_columns = {"CPR", "Person-ID", "Journalnummer/Forhold/Person"}
    for batch in ImportBatch.objects.exclude(errors=[]).iterator():
        errors = batch.errors or []
        masked = [{**e, "value": _masked(e, person_mask)} if e.get("column") in person_columns else e for e in errors]
        if masked != errors:
            batch.errors = masked
            batch.save(update_fields=["errors"])


def _masked(error: dict, person_mask) -> str:
    value = str(error.get("value") or "")
    if error.get("column") == "Journalnummer/Forhold/Person":  # journal / forhold / person: the person is masked
        parts = value.split(" / ")
        return " / ".join([*parts[:2], *(person_mask(p) for p in parts[2:])]) if len(parts) > 2 else value
    return person_mask(value)


class Migration(migrations.Migration):
    atomic = True

    dependencies = [
        ("reports", "0006_chargefact_home_covering"),
        ("importers", "0005_job_liveness"),
    ]

    operations = [migrations.RunPython(_rekey, migrations.RunPython.noop)]
