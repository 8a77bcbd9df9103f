-- A multipart upload's parts are checked as they arrive with SHA-256 (as before) or CRC32
-- (S3's x-amz-checksum-crc32: a fraction of SHA-256's CPU); the whole file's sha256 is
-- checked at completion either way.
ALTER TABLE media.multipart_uploads
    ADD COLUMN part_checksum text NOT NULL DEFAULT 'sha256'
        CHECK (part_checksum IN ('sha256', 'crc32'));

ALTER TABLE media.upload_parts RENAME COLUMN sha256 TO checksum;
ALTER TABLE media.upload_parts DROP CONSTRAINT upload_parts_sha256_check;
ALTER TABLE media.upload_parts
    ADD CONSTRAINT upload_parts_checksum_check CHECK (checksum ~ '^([0-9a-f]{64}|[0-9a-f]{8})$');
