-- CRC32 uploads cannot be described without their algorithm: they go (their parts with them).
DELETE FROM media.multipart_uploads WHERE part_checksum <> 'sha256';
ALTER TABLE media.upload_parts DROP CONSTRAINT upload_parts_checksum_check;
ALTER TABLE media.upload_parts RENAME COLUMN checksum TO sha256;
ALTER TABLE media.upload_parts
    ADD CONSTRAINT upload_parts_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE media.multipart_uploads DROP COLUMN part_checksum;
