    tx_status st;
