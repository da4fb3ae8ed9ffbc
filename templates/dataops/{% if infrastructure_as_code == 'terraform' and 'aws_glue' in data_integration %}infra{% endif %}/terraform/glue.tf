# --- AWS Glue (DataOps layer): a data lake bucket and one Glue job per dataset that copies the
# dataset's landing CSV files (s3://<lake>/landing/<dataset>/) into the raw zone as parquet
# (s3://<lake>/raw/<dataset>/), running glue/jobs/ingest.py.

variable "glue_datasets" {
  description = "Datasets with a Glue ingest job: the datasets of contracts/."
  type        = list(string)
  default     = ["customers", "orders"]
}

variable "glue_workers" {
  description = "Number of G.1X workers of each Glue ingest job."
  type        = number
  default     = 2

  validation {
    condition     = var.glue_workers >= 2 && var.glue_workers <= 20
    error_message = "glue_workers must be between 2 and 20."
  }
}

data "aws_region" "glue" {}

locals {
  glue_log_groups = "arn:aws:logs:${data.aws_region.glue.name}:${data.aws_caller_identity.current.account_id}:log-group:/aws-glue/*"
}

# --- Encryption: one customer-managed key for the lake, the job's logs and its bookmarks.
data "aws_iam_policy_document" "glue_key" {
  # A key policy's "*" resource is the key itself, and the account must keep administering it:
  # checkov:skip=CKV_AWS_111:A key policy's resource "*" is this key only
  # checkov:skip=CKV_AWS_356:A key policy's resource "*" is this key only
  # checkov:skip=CKV_AWS_109:The account root keeps administering its key (AWS's default key policy)
  statement {
    sid       = "AccountAdministersTheKey"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  statement {
    sid       = "CloudWatchLogsEncryptsGlueLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${data.aws_region.glue.name}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = [local.glue_log_groups]
    }
  }
}

resource "aws_kms_key" "glue" {
  description             = "${local.prefix} data lake and Glue jobs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.glue_key.json
}

resource "aws_kms_alias" "glue" {
  name          = "alias/${local.prefix}-data"
  target_key_id = aws_kms_key.glue.key_id
}

# --- The data lake: private, encrypted with the key above, versioned, TLS only.
resource "aws_s3_bucket" "data_lake" {
  # Checks this starter skips on purpose (checkov reads these comments):
  # checkov:skip=CKV_AWS_18:Access logs need a second, dedicated log bucket; point this one at your organisation's log bucket when it exists
  # checkov:skip=CKV2_AWS_62:Nothing consumes bucket events yet; add a notification when a consumer exists
  # checkov:skip=CKV_AWS_144:Cross-region replication doubles storage cost; landing files can be sent again by their producers
  bucket = "${local.prefix}-data-${data.aws_caller_identity.current.account_id}"
}

resource "aws_s3_bucket_public_access_block" "data_lake" {
  bucket                  = aws_s3_bucket.data_lake.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "data_lake" {
  bucket = aws_s3_bucket.data_lake.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data_lake" {
  bucket = aws_s3_bucket.data_lake.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.glue.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "data_lake" {
  bucket = aws_s3_bucket.data_lake.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "data_lake" {
  bucket = aws_s3_bucket.data_lake.id
  rule {
    id     = "expire-old-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
  rule {
    id     = "expire-glue-temp"
    status = "Enabled"
    filter {
      prefix = "glue-temp/"
    }
    expiration {
      days = 7
    }
  }
}

data "aws_iam_policy_document" "data_lake_tls_only" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.data_lake.arn,
      "${aws_s3_bucket.data_lake.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "data_lake" {
  bucket     = aws_s3_bucket.data_lake.id
  policy     = data.aws_iam_policy_document.data_lake_tls_only.json
  depends_on = [aws_s3_bucket_public_access_block.data_lake]
}

# --- The job's script, uploaded from this repository.
resource "aws_s3_object" "glue_ingest_script" {
  bucket      = aws_s3_bucket.data_lake.id
  key         = "glue/scripts/ingest.py"
  source      = "${path.module}/../../glue/jobs/ingest.py"
  source_hash = filemd5("${path.module}/../../glue/jobs/ingest.py")
}

# --- Identity: the jobs read the script and landing/, write raw/ and glue-temp/, and log.
data "aws_iam_policy_document" "glue_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "glue" {
  name               = "${local.prefix}-glue-ingest"
  assume_role_policy = data.aws_iam_policy_document.glue_assume.json
}

data "aws_iam_policy_document" "glue_ingest" {
  statement {
    sid       = "ReadScriptAndLanding"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.data_lake.arn}/glue/scripts/*", "${aws_s3_bucket.data_lake.arn}/landing/*"]
  }
  statement {
    sid       = "ListLakePrefixes"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.data_lake.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["landing/*", "raw/*", "glue-temp/*"]
    }
  }
  statement {
    # Spark writes through temporary objects that it deletes when the write commits.
    sid       = "WriteRawAndTemp"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.data_lake.arn}/raw/*", "${aws_s3_bucket.data_lake.arn}/glue-temp/*"]
  }
  statement {
    sid       = "UseTheDataKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.glue.arn]
  }
  statement {
    sid       = "WriteJobLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]
    resources = [local.glue_log_groups, "${local.glue_log_groups}:*"]
  }
}

resource "aws_iam_role_policy" "glue_ingest" {
  name   = "glue-ingest"
  role   = aws_iam_role.glue.id
  policy = data.aws_iam_policy_document.glue_ingest.json
}

resource "aws_glue_security_configuration" "ingest" {
  name = "${local.prefix}-ingest"

  encryption_configuration {
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = aws_kms_key.glue.arn
    }
    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = aws_kms_key.glue.arn
    }
    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = aws_kms_key.glue.arn
    }
  }
}

resource "aws_glue_job" "ingest" {
  for_each = toset(var.glue_datasets)

  name                   = "${local.prefix}-ingest-${each.value}"
  description            = "Landing CSV files of ${each.value} into the raw zone as parquet"
  role_arn               = aws_iam_role.glue.arn
  glue_version           = "5.0"
  worker_type            = "G.1X"
  number_of_workers      = var.glue_workers
  timeout                = 60
  max_retries            = 1
  security_configuration = aws_glue_security_configuration.ingest.name

  command {
    name            = "glueetl"
    python_version  = "3"
    script_location = "s3://${aws_s3_object.glue_ingest_script.bucket}/${aws_s3_object.glue_ingest_script.key}"
  }

  default_arguments = {
    "--job-language"                     = "python"
    "--job-bookmark-option"              = "job-bookmark-enable"
    "--enable-continuous-cloudwatch-log" = "true"
    "--enable-metrics"                   = "true"
    "--TempDir"                          = "s3://${aws_s3_bucket.data_lake.bucket}/glue-temp/"
    "--dataset"                          = each.value
    "--landing_uri"                      = "s3://${aws_s3_bucket.data_lake.bucket}/landing"
    "--raw_uri"                          = "s3://${aws_s3_bucket.data_lake.bucket}/raw"
  }

  execution_property {
    max_concurrent_runs = 1
  }
}

output "data_lake_bucket" {
  description = "Data lake bucket: producers write s3://<bucket>/landing/<dataset>/*.csv."
  value       = aws_s3_bucket.data_lake.bucket
}

output "glue_jobs" {
  description = "Glue ingest job of each dataset (aws glue start-job-run --job-name <job>)."
  value       = { for dataset, job in aws_glue_job.ingest : dataset => job.name }
}
