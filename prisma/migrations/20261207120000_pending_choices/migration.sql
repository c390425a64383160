-- CreateTable
CREATE TABLE "pending_choices" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "label" TEXT NOT NULL,
    "plan" JSONB NOT NULL,
    "source_image_id" UUID,
    "parent_edit_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pending_choices_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "pending_choices_created_at_idx" ON "pending_choices"("created_at");

-- AddForeignKey
ALTER TABLE "pending_choices" ADD CONSTRAINT "pending_choices_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pending_choices" ADD CONSTRAINT "pending_choices_source_image_id_fkey" FOREIGN KEY ("source_image_id") REFERENCES "images"("id") ON DELETE CASCADE ON UPDATE CASCADE;
