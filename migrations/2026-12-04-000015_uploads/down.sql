DROP INDEX media.media_owner_status_idx;
DROP TABLE media.active_uploads;
DROP TABLE media.account_quotas;
DROP TABLE media.upload_parts;
DROP TABLE media.multipart_uploads;
