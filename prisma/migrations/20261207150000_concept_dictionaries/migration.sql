/*
  Warnings:

  - Concept rows of the old shape (a label per dictionary, no site) are deleted: nothing wrote them,
    and they have no site to belong to.
  - You are about to drop the column `dictionary_id` on the `concepts` table. All the data in the column will be lost.
  - You are about to drop the column `meta` on the `concepts` table. All the data in the column will be lost.
  - Added the required columns `site_id`, `words`, `intensity` and `top_images` to the `concepts` table without a default value.
  - Existing dictionaries become `building` (they have no sites), so they are never served.

*/
-- CreateEnum
CREATE TYPE "DictionaryStatus" AS ENUM ('building', 'ready', 'failed');

-- DropForeignKey
ALTER TABLE "concepts" DROP CONSTRAINT "concepts_dictionary_id_fkey";

-- DropIndex
DROP INDEX "concepts_dictionary_id_label_key";

-- DeleteRows
DELETE FROM "concepts";

-- AlterTable
ALTER TABLE "concept_dictionaries" ADD COLUMN     "build" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "failure" TEXT,
ADD COLUMN     "status" "DictionaryStatus" NOT NULL DEFAULT 'building',
ADD COLUMN     "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "concepts" DROP COLUMN "dictionary_id",
DROP COLUMN "meta",
ADD COLUMN     "intensity" DOUBLE PRECISION NOT NULL,
ADD COLUMN     "site_id" UUID NOT NULL,
ADD COLUMN     "terms" TEXT[],
ADD COLUMN     "top_images" JSONB NOT NULL,
ADD COLUMN     "words" JSONB NOT NULL,
ALTER COLUMN "label" DROP NOT NULL,
ALTER COLUMN "feature_index" SET NOT NULL;

-- CreateTable
CREATE TABLE "concept_sites" (
    "id" UUID NOT NULL,
    "dictionary_id" UUID NOT NULL,
    "block" TEXT NOT NULL,
    "time" DOUBLE PRECISION NOT NULL,
    "branch" TEXT NOT NULL,
    "k" INTEGER NOT NULL,
    "inputs" INTEGER NOT NULL,
    "features" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "width" INTEGER NOT NULL,
    "quality" JSONB NOT NULL,
    "weights" BYTEA NOT NULL,
    "weights_sha256" CHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "concept_sites_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "concept_sites_dictionary_id_block_time_branch_key" ON "concept_sites"("dictionary_id", "block", "time", "branch");

-- CreateIndex
CREATE UNIQUE INDEX "concepts_site_id_feature_index_key" ON "concepts"("site_id", "feature_index");

-- CreateIndex
CREATE INDEX "concepts_terms_idx" ON "concepts" USING GIN ("terms");

-- AddForeignKey
ALTER TABLE "concept_sites" ADD CONSTRAINT "concept_sites_dictionary_id_fkey" FOREIGN KEY ("dictionary_id") REFERENCES "concept_dictionaries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "concepts" ADD CONSTRAINT "concepts_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "concept_sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;
