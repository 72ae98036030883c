-- Every stored image file. A product lists the images it shows (products.images, and
-- pending->'images' for an edit under review) by id; a file no list refers to any more
-- is deleted together with its row. backend says where the file is ('local' disk or
-- 's3'); name is its file name or object key (<uuid>.<ext>).
CREATE TABLE product_images (
    id           uuid PRIMARY KEY,
    product_id   uuid NOT NULL REFERENCES products (id),
    backend      text NOT NULL,
    name         text NOT NULL,
    url          text NOT NULL,
    content_type text NOT NULL,
    bytes        bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT product_images_backend_check CHECK (backend IN ('local', 's3')),
    CONSTRAINT product_images_name_key UNIQUE (name)
);
CREATE INDEX product_images_product_idx ON product_images (product_id);
