-- CreateTable
CREATE TABLE "message_images" (
    "platform" "Platform" NOT NULL,
    "message_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "image_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "message_images_pkey" PRIMARY KEY ("platform","message_id","position")
);

-- CreateIndex
CREATE INDEX "message_images_image_id_idx" ON "message_images"("image_id");

-- AddForeignKey
ALTER TABLE "message_images" ADD CONSTRAINT "message_images_image_id_fkey" FOREIGN KEY ("image_id") REFERENCES "images"("id") ON DELETE CASCADE ON UPDATE CASCADE;
