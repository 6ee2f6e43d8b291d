"""What readers get besides the reference: source links, inventories, llms.txt, search."""
