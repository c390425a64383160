-- Thumbnails of a concept dictionary's top images, and each concept's references to them.
-- Dictionaries built before keep working: their concepts have no indices, so no pictures.

-- AlterTable
ALTER TABLE "concepts" ADD COLUMN     "top_image_indices" INTEGER[] DEFAULT ARRAY[]::INTEGER[];

-- CreateTable
CREATE TABLE "concept_thumbnails" (
    "id" UUID NOT NULL,
    "dictionary_id" UUID NOT NULL,
    "image" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "concept_thumbnails_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "concept_thumbnails_dictionary_id_image_key" ON "concept_thumbnails"("dictionary_id", "image");

-- AddForeignKey
ALTER TABLE "concept_thumbnails" ADD CONSTRAINT "concept_thumbnails_dictionary_id_fkey" FOREIGN KEY ("dictionary_id") REFERENCES "concept_dictionaries"("id") ON DELETE CASCADE ON UPDATE CASCADE;
