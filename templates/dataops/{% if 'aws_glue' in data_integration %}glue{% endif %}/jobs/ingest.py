"""AWS Glue job: a dataset's landing CSV files on S3 into the raw zone on S3, as parquet.

The same steps as the local ingest stage (data/landing/<dataset> -> data/raw/<dataset>), for data
that lives on S3. One Glue job per dataset runs this script (infra/terraform/glue.tf or
infra/cloudformation/glue.yaml), with these job arguments:

    --dataset      the dataset (a contract in contracts/)
    --landing_uri  s3://BUCKET/landing: the job reads <landing_uri>/<dataset>/*.csv
    --raw_uri      s3://BUCKET/raw: the job appends to <raw_uri>/<dataset>/ (parquet)

Job bookmarks (--job-bookmark-option job-bookmark-enable) make each run read only the files
that arrived since the last successful run, so a re-run does not ingest a file twice. Values are
kept as text, as in the local raw zone: the contract's checks judge them in the validate stage.

awsglue exists only inside Glue (or its container image); this file is not imported by the
project's package or tests.
"""

from __future__ import annotations

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

ARGUMENTS = ("JOB_NAME", "dataset", "landing_uri", "raw_uri")


def run(argv: list[str]) -> None:
    """Read the dataset's new landing files and append them to its raw zone."""
    args = getResolvedOptions(argv, list(ARGUMENTS))
    glue = GlueContext(SparkContext.getOrCreate())
    job = Job(glue)
    job.init(args["JOB_NAME"], args)
    dataset = args["dataset"]
    landing = glue.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={
            "paths": [f"{args['landing_uri'].rstrip('/')}/{dataset}/"],
            "recurse": True,
        },
        format="csv",
        format_options={"withHeader": True},
        # The bookmark's key: which files this job has already read.
        transformation_ctx=f"landing_{dataset}",
    )
    frame = (
        landing.toDF()
        .withColumn("_source_file", F.input_file_name())
        .withColumn("_ingested_at", F.current_timestamp())
        .withColumn("_ingest_date", F.to_date(F.col("_ingested_at")))
    )
    if frame.head(1):
        frame.write.mode("append").partitionBy("_ingest_date").parquet(
            f"{args['raw_uri'].rstrip('/')}/{dataset}/"
        )
    job.commit()


if __name__ == "__main__":
    run(sys.argv)
