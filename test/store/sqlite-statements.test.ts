/** SQLite statements prepared once and reused (src/store/sqlite-statements.ts), never while one is still running. */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { cachingStatements } from '../../src/store/sqlite-statements.js';

describe('store: SQLite statements prepared once', () => {
  function handle() {
    const db = new Database(':memory:');
    db.exec('create table t (id integer primary key, v text); insert into t (v) values (\'a\'), (\'b\'), (\'c\')');
    return db;
  }

  it('hands back the statement it prepared for the same text; a busy one is not reused', () => {
    const db = cachingStatements(handle());
    const first = db.prepare('select v from t order by id');
    expect(db.prepare('select v from t order by id')).to.equal(first);
    const running = first.iterate([]);
    running.next();
    const other = db.prepare('select v from t order by id');
    expect(other).to.not.equal(first);
    expect(other.all([])).to.deep.equal([{ v: 'a' }, { v: 'b' }, { v: 'c' }]);
    running.return?.();
    expect(db.prepare('select v from t order by id')).to.equal(first);
    db.close();
  });

  it('keeps at most its cap of texts, the least recently used leaving first', () => {
    const db = cachingStatements(handle(), 2);
    const a = db.prepare('select 1');
    const b = db.prepare('select 2');
    expect(db.prepare('select 1')).to.equal(a);
    db.prepare('select 3');
    expect(db.prepare('select 1')).to.equal(a);
    expect(db.prepare('select 2')).to.not.equal(b);
    db.close();
  });

  it('through kysely: the same select after a stream of it, the same insert twice', async () => {
    const db = new Kysely<{ t: { id: number; v: string } }>({ dialect: new SqliteDialect({ database: cachingStatements(handle()) }) });
    const streamed: string[] = [];
    for await (const row of db.selectFrom('t').select('v').orderBy('id').stream()) streamed.push(row.v);
    expect(streamed).to.deep.equal(['a', 'b', 'c']);
    await sql`insert into t (v) values (${'d'})`.execute(db);
    await sql`insert into t (v) values (${'e'})`.execute(db);
    expect((await db.selectFrom('t').select('v').orderBy('id').execute()).map((r) => r.v)).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
    await db.destroy();
  });
});
