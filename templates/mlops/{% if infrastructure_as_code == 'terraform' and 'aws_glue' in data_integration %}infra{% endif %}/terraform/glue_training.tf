# --- AWS Glue (MLOps layer): a training data bucket and one Glue job that gathers the training
# CSV files landed in s3://<bucket>/landing/training/ into one deduplicated training set,
# s3://<bucket>/training/ (what `make training-data-sync` copies to data/landing/training),
# running glue/jobs/training.py. Every name here is glue_training/training_data, apart from the
# DataOps layer's glue.tf in the same module.

variable "glue_training_workers" {
  description = "Number of G.1X workers of the Glue training data job."
  type        = number
  default     = 2

  validation {
    condition     = var.glue_training_workers >= 2 && var.glue_training_workers <= 20
    error_message = "glue_training_workers must be between 2 and 20."
  }
}

data "aws_region" "glue_training" {}

locals {
  glue_training_log_groups = "arn:aws:logs:${data.aws_region.glue_training.name}:${data.aws_caller_identity.current.account_id}:log-group:/aws-glue/*"
}

# --- Encryption: one customer-managed key for the training data, the job's logs and bookmarks.
data "aws_iam_policy_document" "glue_training_key" {
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
      identifiers = ["logs.${data.aws_region.glue_training.name}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = [local.glue_training_log_groups]
    }
  }
}

resource "aws_kms_key" "glue_training" {
  description             = "${local.prefix} training data and Glue training job"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.glue_training_key.json
}

resource "aws_kms_alias" "glue_training" {
  name          = "alias/${local.prefix}-training"
  target_key_id = aws_kms_key.glue_training.key_id
}

# --- The training data bucket: private, encrypted with the key above, versioned, TLS only.
# ("-train-": the longest name and environment still give S3's limit of 63 characters.)
resource "aws_s3_bucket" "training_data" {
  # Checks this starter skips on purpose (checkov reads these comments):
  # checkov:skip=CKV_AWS_18:Access logs need a second, dedicated log bucket; point this one at your organisation's log bucket when it exists
  # checkov:skip=CKV2_AWS_62:Nothing consumes bucket events yet; add a notification when a consumer exists
  # checkov:skip=CKV_AWS_144:Cross-region replication doubles storage cost; landing files can be sent again by their producers
  bucket = "${local.prefix}-train-${data.aws_caller_identity.current.account_id}"
}

resource "aws_s3_bucket_public_access_block" "training_data" {
  bucket                  = aws_s3_bucket.training_data.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "training_data" {
  bucket = aws_s3_bucket.training_data.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "training_data" {
  bucket = aws_s3_bucket.training_data.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.glue_training.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "training_data" {
  bucket = aws_s3_bucket.training_data.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "training_data" {
  bucket = aws_s3_bucket.training_data.id
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

data "aws_iam_policy_document" "training_data_tls_only" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.training_data.arn,
      "${aws_s3_bucket.training_data.arn}/*",
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

resource "aws_s3_bucket_policy" "training_data" {
  bucket     = aws_s3_bucket.training_data.id
  policy     = data.aws_iam_policy_document.training_data_tls_only.json
  depends_on = [aws_s3_bucket_public_access_block.training_data]
}

# --- The job's script, uploaded from this repository.
resource "aws_s3_object" "glue_training_script" {
  bucket      = aws_s3_bucket.training_data.id
  key         = "glue/scripts/training.py"
  source      = "${path.module}/../../glue/jobs/training.py"
  source_hash = filemd5("${path.module}/../../glue/jobs/training.py")
}

# --- Identity: the job reads its script and landing/training/, reads and writes training/ and
# glue-temp/, and logs; nothing else of the bucket.
data "aws_iam_policy_document" "glue_training_assume" {
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

resource "aws_iam_role" "glue_training" {
  name               = "${local.prefix}-glue-training"
  assume_role_policy = data.aws_iam_policy_document.glue_training_assume.json
}

data "aws_iam_policy_document" "glue_training" {
  statement {
    sid     = "ReadScriptAndLanding"
    actions = ["s3:GetObject"]
    resources = [
      "${aws_s3_bucket.training_data.arn}/${aws_s3_object.glue_training_script.key}",
      "${aws_s3_bucket.training_data.arn}/landing/training/*",
    ]
  }
  statement {
    sid       = "ListJobPrefixes"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.training_data.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["landing/training/*", "training/*", "glue-temp/*"]
    }
  }
  statement {
    # The job reads the training set to leave out rows it holds; Spark writes through temporary
    # objects that it deletes when the write commits.
    sid       = "ReadWriteTrainingAndTemp"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.training_data.arn}/training/*", "${aws_s3_bucket.training_data.arn}/glue-temp/*"]
  }
  statement {
    sid       = "UseTheTrainingDataKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.glue_training.arn]
  }
  statement {
    sid       = "WriteJobLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]
    resources = [local.glue_training_log_groups, "${local.glue_training_log_groups}:*"]
  }
}

resource "aws_iam_role_policy" "glue_training" {
  name   = "glue-training"
  role   = aws_iam_role.glue_training.id
  policy = data.aws_iam_policy_document.glue_training.json
}

resource "aws_glue_security_configuration" "training" {
  name = "${local.prefix}-training"

  encryption_configuration {
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = aws_kms_key.glue_training.arn
    }
    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = aws_kms_key.glue_training.arn
    }
    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = aws_kms_key.glue_training.arn
    }
  }
}

resource "aws_glue_job" "training" {
  name                   = "${local.prefix}-training"
  description            = "Landed training CSV files into one deduplicated training set"
  role_arn               = aws_iam_role.glue_training.arn
  glue_version           = "5.0"
  worker_type            = "G.1X"
  number_of_workers      = var.glue_training_workers
  timeout                = 60
  max_retries            = 1
  security_configuration = aws_glue_security_configuration.training.name

  command {
    name            = "glueetl"
    python_version  = "3"
    script_location = "s3://${aws_s3_object.glue_training_script.bucket}/${aws_s3_object.glue_training_script.key}"
  }

  default_arguments = {
    "--job-language"                     = "python"
    "--job-bookmark-option"              = "job-bookmark-enable"
    "--enable-continuous-cloudwatch-log" = "true"
    "--enable-metrics"                   = "true"
    "--TempDir"                          = "s3://${aws_s3_bucket.training_data.bucket}/glue-temp/"
    "--landing_uri"                      = "s3://${aws_s3_bucket.training_data.bucket}/landing/training/"
    "--training_uri"                     = "s3://${aws_s3_bucket.training_data.bucket}/training/"
  }

  # One run at a time: a run leaves out the rows that the training set held when it started.
  execution_property {
    max_concurrent_runs = 1
  }
}

output "glue_training_bucket" {
  description = "Training data bucket: producers write s3://<bucket>/landing/training/*.csv; make training-data-sync GLUE_TRAINING_BUCKET=<bucket> copies s3://<bucket>/training/."
  value       = aws_s3_bucket.training_data.bucket
}

output "glue_training_job" {
  description = "Glue job that builds the training set (aws glue start-job-run --job-name <job>)."
  value       = aws_glue_job.training.name
}
