-- AlterTable
ALTER TABLE "message_images" ADD COLUMN     "user_id" UUID;

-- CreateIndex
CREATE INDEX "message_images_user_id_created_at_idx" ON "message_images"("user_id", "created_at");

-- AddForeignKey
ALTER TABLE "message_images" ADD CONSTRAINT "message_images_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
