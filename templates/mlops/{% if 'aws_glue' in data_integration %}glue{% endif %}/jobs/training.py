"""AWS Glue job: training CSV files landed on S3 into one deduplicated training set on S3.

The S3 side of data/landing/training/, where `make train` reads. Producers write
s3://BUCKET/landing/training/*.csv, each with a header line naming the columns of
LANDING_COLUMNS. One Glue job runs this script (infra/terraform/glue_training.tf or
infra/cloudformation/glue-training.yaml), with these job arguments:

    --landing_uri   s3://BUCKET/landing/training: the job reads the CSV files under it
    --training_uri  s3://BUCKET/training: the training set, which the job appends to

Job bookmarks (--job-bookmark-option job-bookmark-enable) make each run read only the files that
arrived since the last successful run. Of their rows, those already in the training set, and
repeats among the new files, are dropped; the rest are appended as one CSV file with a header and
exactly LANDING_COLUMNS. So the training set holds every landed row once, as the prepare stage's
reading of data/landing/training does, and `make training-data-sync` copies its new files there.

Values stay text: the prepare stage turns them into numbers and the data quality check judges
them. A landing file without one of the columns fails the run, naming the missing columns; the
bookmark does not move until that file is fixed or removed.

LANDING_COLUMNS repeats src/<package>/ml/data.py's (Glue runs this file without the project's
package): keep the two equal. awsglue exists only inside Glue (or its container image); this file
is not imported by the project's package or tests.
"""

from __future__ import annotations

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

ARGUMENTS = ("JOB_NAME", "landing_uri", "training_uri")
LANDING_COLUMNS = (
    "alcohol",
    "malic_acid",
    "ash",
    "alcalinity_of_ash",
    "magnesium",
    "total_phenols",
    "flavanoids",
    "nonflavanoid_phenols",
    "proanthocyanins",
    "color_intensity",
    "hue",
    "od280_od315_of_diluted_wines",
    "proline",
    "cultivar",
)
TEXT_SCHEMA = StructType([StructField(column, StringType()) for column in LANDING_COLUMNS])


def as_text(frame: DataFrame) -> DataFrame:
    """Exactly LANDING_COLUMNS, in order, as text; an error naming any the frame lacks."""
    missing = [column for column in LANDING_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"landing files without the columns {missing}")
    return frame.select(*(F.col(column).cast("string").alias(column) for column in LANDING_COLUMNS))


def training_set(spark: SparkSession, uri: str) -> DataFrame:
    """The rows in the training set so far (none before the first run wrote it)."""
    try:
        return spark.read.csv(uri, header=True, schema=TEXT_SCHEMA)
    except AnalysisException:  # with a schema given, only a path that does not exist yet
        return spark.createDataFrame([], TEXT_SCHEMA)


def run(argv: list[str]) -> None:
    """Append the new landing files' rows that the training set lacks to the training set."""
    args = getResolvedOptions(argv, list(ARGUMENTS))
    glue = GlueContext(SparkContext.getOrCreate())
    job = Job(glue)
    job.init(args["JOB_NAME"], args)
    training_uri = f"{args['training_uri'].rstrip('/')}/"
    landing = glue.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": [f"{args['landing_uri'].rstrip('/')}/"], "recurse": True},
        format="csv",
        format_options={"withHeader": True},
        # The bookmark's key: which files this job has already read.
        transformation_ctx="landing_training",
    )
    # Glue infers a type per value; a column of mixed types becomes text, like the rest below.
    new = landing.resolveChoice(choice="cast:string").toDF()
    if new.columns and new.head(1):
        # EXCEPT DISTINCT: each new row once, and only if the training set does not hold it yet
        # (empty values compare equal, unlike in a join).
        fresh = as_text(new).subtract(training_set(glue.spark_session, training_uri))
        fresh.coalesce(1).write.mode("append").csv(training_uri, header=True)
    job.commit()


if __name__ == "__main__":
    run(sys.argv)
