#!/bin/sh
# Installs versitygw (the Versity S3 Gateway: a real S3 server that checks
# SigV4 signatures and presigned-URL expiry) for the S3 tests in pkg/blob.
# The first build downloads its dependencies and takes a few minutes.
# Usage: infra/peers/versitygw.sh
exec sh "$(dirname "$0")/goinstall.sh" versitygw github.com/versity/versitygw cmd/versitygw v1.8.0 "first time: a few minutes"
