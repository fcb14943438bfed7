import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The raw sync log. It grows to millions of rows, so it is indexed for the three
 * searches people make: a product's lines by time, by Autotask id, and by text
 * (a FULLTEXT index on MySQL, an FTS5 table kept by triggers on SQLite).
 */
export default class extends BaseSchema {
  protected tableName = 'sync_logs'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.bigIncrements('id')
      table
        .integer('product_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('products')
        .onDelete('CASCADE')
      table.integer('sync_run_id').unsigned().nullable()
      table.integer('invoice_record_id').unsigned().nullable()
      table.integer('purchase_order_record_id').unsigned().nullable()
      table.string('level', 5).notNullable().defaultTo('info')
      table.string('event', 60).notNullable()
      table.text('message').notNullable()
      table.bigInteger('autotask_id').nullable()
      table.string('actor', 255).nullable()
      table.timestamp('created_at').notNullable()

      table.index(['product_id', 'created_at'])
      table.index(['product_id', 'autotask_id'])
      table.index(['invoice_record_id'])
      table.index(['purchase_order_record_id'])
      table.index(['sync_run_id'])
    })

    this.defer(async (db) => {
      if (this.isSqlite()) {
        await db.rawQuery(
          `CREATE VIRTUAL TABLE sync_logs_fts USING fts5(message, content='sync_logs', content_rowid='id')`
        )
        await db.rawQuery(
          `CREATE TRIGGER sync_logs_fts_insert AFTER INSERT ON sync_logs BEGIN
             INSERT INTO sync_logs_fts(rowid, message) VALUES (new.id, new.message);
           END`
        )
        await db.rawQuery(
          `CREATE TRIGGER sync_logs_fts_delete AFTER DELETE ON sync_logs BEGIN
             INSERT INTO sync_logs_fts(sync_logs_fts, rowid, message) VALUES ('delete', old.id, old.message);
           END`
        )
        await db.rawQuery(
          `CREATE TRIGGER sync_logs_fts_update AFTER UPDATE ON sync_logs BEGIN
             INSERT INTO sync_logs_fts(sync_logs_fts, rowid, message) VALUES ('delete', old.id, old.message);
             INSERT INTO sync_logs_fts(rowid, message) VALUES (new.id, new.message);
           END`
        )
      } else {
        await db.rawQuery(
          `ALTER TABLE sync_logs ADD FULLTEXT INDEX sync_logs_message_fulltext (message)`
        )
      }
    })
  }

  async down() {
    this.defer(async (db) => {
      if (this.isSqlite()) {
        await db.rawQuery('DROP TABLE IF EXISTS sync_logs_fts')
      }
    })
    this.schema.dropTable(this.tableName)
  }

  private isSqlite() {
    return this.db.dialect.name.includes('sqlite')
  }
}
