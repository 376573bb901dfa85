from carehouse.cli import main

main()
