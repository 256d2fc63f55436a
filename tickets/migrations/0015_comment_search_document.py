"""Comments keep their full-text document in a stored generated column; the GIN index is on it.

Adding the column rewrites the comments table, computing every comment's document once (about
45 s per 2M comments on a 2-core machine). The table is locked meanwhile, for reads too, and the
old release cannot search comments by an index on the new schema: this migration needs a
maintenance window (docs/deployment.md).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0014_channel_index")]

    operations = [
        migrations.RemoveIndex(model_name="ticketcomment", name="tickets_comment_search_idx"),
        migrations.AddField(
            model_name="ticketcomment",
            name="search_document",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.contrib.postgres.search.SearchVector("body", config="english"),
                output_field=django.contrib.postgres.search.SearchVectorField(),
                serialize=False,
            ),
        ),
        migrations.AddIndex(
            model_name="ticketcomment",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_document"], name="tickets_comment_search_idx"
            ),
        ),
    ]
