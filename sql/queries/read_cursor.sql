SELECT cursor FROM cursors WHERE community = $community;
