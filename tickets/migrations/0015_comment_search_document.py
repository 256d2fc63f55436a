"""Comments keep their full-text document in a stored generated column; the GIN index is on it.

Adding the column rewrites the comments table, computing every comment's document once (about
a minute per 2M comments on a 2-core machine), with the table locked for writes meanwhile.
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
            ),
        ),
        migrations.AddIndex(
            model_name="ticketcomment",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_document"], name="tickets_comment_search_idx"
            ),
        ),
    ]
