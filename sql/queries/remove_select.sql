-- The community `voyage communities --remove` deletes (remove_apply.sql reads this table).
CREATE OR REPLACE TEMP TABLE removed_community AS SELECT $name AS name;
