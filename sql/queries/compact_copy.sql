-- Copy every table, view and row (not the freed blocks) into the new file, then close it.
COPY FROM DATABASE voyage_old TO voyage_new;
DETACH voyage_new;
