DELETE FROM cursors WHERE community = $name;
